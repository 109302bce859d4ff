import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import {
  findBinary,
  freePort,
  makeServerDir,
  readLog,
  removeDir,
  run,
  ServerCommandError,
  sleep,
  type RunningServer,
} from "./process.ts";

const SBIN = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** The user, password and database the tests connect with (it may create more databases). */
export const MARIADB_TEST_USER = { user: "sqlscope", password: "sqlscope", database: "sqlscope" } as const;

/**
 * Starts a throwaway MariaDB on 127.0.0.1 and a free port, with a `sqlscope` user allowed everything
 * (tests create their own databases). Data in a temp dir that stop() deletes.
 *
 * @example
 * const my = await startMariadb();   // my.url = "mysql://sqlscope:sqlscope@127.0.0.1:PORT/sqlscope"
 * try { ... } finally { await my.stop(); }
 */
export async function startMariadb(): Promise<RunningServer> {
  const installDb = findBinary("mariadb-install-db", SBIN);
  const mariadbd = findBinary("mariadbd", SBIN);
  const admin = findBinary("mariadb-admin", SBIN);
  const client = findBinary("mariadb", SBIN);
  const dir = makeServerDir("sqlscope-mariadb-");
  const data = join(dir, "data");
  const socket = join(dir, "sock");
  const logFile = join(dir, "server.log");
  const asRoot = isRoot ? ["--user=root"] : [];
  let child: ChildProcess | undefined;
  const killSync = () => {
    child?.kill("SIGKILL");
  };
  try {
    await run(installDb, [
      "--no-defaults",
      `--datadir=${data}`,
      ...asRoot,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      child = launch(
        mariadbd,
        [
          "--no-defaults",
          `--datadir=${data}`,
          `--port=${port}`,
          "--bind-address=127.0.0.1",
          `--socket=${socket}`,
          `--pid-file=${join(dir, "pid")}`,
          ...asRoot,
          "--skip-name-resolve",
          "--skip-log-bin",
          // A throwaway server: durability buys nothing and costs most of the test time.
          "--innodb-flush-log-at-trx-commit=0",
          "--innodb-doublewrite=0",
          "--innodb-buffer-pool-size=64M",
          "--max-connections=300",
        ],
        logFile,
      );
      process.once("exit", killSync);
      if (
        await waitReady(child, () =>
          run(admin, ["--no-defaults", `--socket=${socket}`, "-uroot", "ping"], { timeoutMs: 5_000 }),
        )
      )
        break;
      process.removeListener("exit", killSync);
      // The usual reason is losing the port to another process between freePort() and the bind.
      if (attempt >= 3) throw new ServerCommandError("mariadbd", await readLog(logFile), new Error("mariadbd exited"));
    }
    const { user, password, database } = MARIADB_TEST_USER;
    await run(client, [
      "--no-defaults",
      `--socket=${socket}`,
      "-uroot",
      "-e",
      `CREATE DATABASE ${database}; CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; ` +
        `GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' WITH GRANT OPTION;`,
    ]);
    let stopped = false;
    const running = child;
    return {
      url: `mysql://${user}:${password}@127.0.0.1:${port}/${database}`,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        const exited = exitOf(running);
        await run(admin, ["--no-defaults", `--socket=${socket}`, "-uroot", "shutdown"], { timeoutMs: 15_000 }).catch(
          () => undefined,
        );
        let timer: NodeJS.Timeout | undefined;
        const gone = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), 15_000);
          }),
        ]);
        clearTimeout(timer);
        if (!gone) running.kill("SIGKILL");
        process.removeListener("exit", killSync);
        removeDir(dir);
      },
    };
  } catch (error) {
    killSync();
    process.removeListener("exit", killSync);
    removeDir(dir);
    throw error;
  }
}

function launch(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(command, args, { stdio: ["ignore", fd, fd] });
    // The server must not keep vitest alive if teardown never runs; the 'exit' hook kills it then.
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** True once `ping` succeeds; false when the server exited first; throws after 30 s. */
async function waitReady(child: ChildProcess, ping: () => Promise<unknown>): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      await ping();
      return true;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
}
