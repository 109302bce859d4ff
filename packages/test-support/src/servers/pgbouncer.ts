import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, closeSync, openSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import {
  findBinary,
  freePort,
  makeServerDir,
  readLog,
  removeDir,
  ServerCommandError,
  sleep,
  type RunningServer,
} from "./process.ts";

const USER = "postgres";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** How the throwaway PgBouncer pools: what the tests and docs/scaling.md assume. */
export const PGBOUNCER_SETTINGS = {
  poolMode: "transaction",
  /** Server connections per (database, user) pair: what every app process shares. */
  defaultPoolSize: 20,
  maxClientConn: 2_000,
} as const;

/**
 * Starts a throwaway PgBouncer in transaction pooling mode on 127.0.0.1 and a free port, in front of
 * the PostgreSQL at `primaryUrl`: every database name is passed through (a `*` entry), trust auth for
 * the `postgres` user, and the admin console (database `pgbouncer`) open to that user. PgBouncer
 * refuses to run as root, so as root it runs as the `postgres` system user.
 *
 * @example
 * const bouncer = await startPgbouncer(pg.url);  // bouncer.url = "postgres://postgres@127.0.0.1:PORT/postgres"
 * try { ... } finally { await bouncer.stop(); }
 */
export async function startPgbouncer(primaryUrl: string): Promise<RunningServer> {
  const binary = findBinary("pgbouncer", ["/usr/sbin", "/usr/bin", "/usr/local/bin"]);
  const primary = new URL(primaryUrl);
  const dir = makeServerDir("sqlscope-pgbouncer-", USER);
  const logFile = join(dir, "pgbouncer.log");
  const ids = isRoot ? userIds(USER) : undefined;
  let child: ChildProcess | undefined;
  const killSync = () => {
    child?.kill("SIGKILL");
  };
  try {
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const config = join(dir, "pgbouncer.ini");
      writeOwned(join(dir, "userlist.txt"), `"${USER}" ""\n`, ids);
      writeOwned(config, configText(primary, port, dir), ids);
      child = launch(binary, [config], logFile, ids);
      process.once("exit", killSync);
      if (await waitListening(child, port)) break;
      process.removeListener("exit", killSync);
      if (attempt >= 3)
        throw new ServerCommandError("pgbouncer", await readLog(logFile), new Error("pgbouncer exited"));
    }
    const running = child;
    let stopped = false;
    return {
      url: `postgres://${USER}@127.0.0.1:${port}/postgres`,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        // SIGINT: PgBouncer's "safe shutdown" waits for clients; SIGTERM closes at once, which is what a test run wants.
        const exited = new Promise<void>((resolve) => {
          if (running.exitCode !== null || running.signalCode !== null) resolve();
          else running.once("exit", () => resolve());
        });
        running.kill("SIGTERM");
        const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
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

function configText(primary: URL, port: number, dir: string): string {
  return [
    "[databases]",
    // The fallback entry: a client's database name is the server's database name.
    `* = host=${primary.hostname} port=${primary.port}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "auth_type = trust",
    `auth_file = ${join(dir, "userlist.txt")}`,
    `admin_users = ${USER}`,
    `stats_users = ${USER}`,
    `pool_mode = ${PGBOUNCER_SETTINGS.poolMode}`,
    `default_pool_size = ${PGBOUNCER_SETTINGS.defaultPoolSize}`,
    `max_client_conn = ${PGBOUNCER_SETTINGS.maxClientConn}`,
    // What pg and psql may send at startup that PgBouncer does not track; anything else is refused.
    "ignore_startup_parameters = extra_float_digits",
    `pidfile = ${join(dir, "pgbouncer.pid")}`,
    // Logs go to stderr, which launch() writes to pgbouncer.log.
    "log_connections = 0",
    "log_disconnections = 0",
    "",
  ].join("\n");
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`The system user "${user}" does not exist; install postgresql.`);
  return { uid, gid };
}

function writeOwned(path: string, text: string, ids: { uid: number; gid: number } | undefined): void {
  writeFileSync(path, text);
  if (ids !== undefined) chownSync(path, ids.uid, ids.gid);
}

function launch(
  command: string,
  args: string[],
  logFile: string,
  ids: { uid: number; gid: number } | undefined,
): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(command, args, { stdio: ["ignore", fd, fd], ...(ids ?? {}) });
    // Like the other servers: never keeps vitest alive; the 'exit' hook kills it if teardown never runs.
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** True once the port accepts a TCP connection; false when the process exited first; throws after 20 s. */
async function waitListening(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await accepts(port)) return true;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on port ${port} within 20 s`);
    await sleep(50);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
