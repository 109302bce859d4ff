import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  findBinary,
  freePort,
  makeServerDir,
  readLog,
  removeDir,
  run,
  runSync,
  ServerCommandError,
  type RunningServer,
} from "./process.ts";

const USER = "postgres";

/** PostgreSQL's bin directories, newest major first (Debian keeps them off PATH). */
export function pgBinDirs(): string[] {
  try {
    return readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => join("/usr/lib/postgresql", v, "bin"));
  } catch {
    return [];
  }
}

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 and a free port: trust auth, fsync off, data in
 * a temp dir that stop() deletes. As root it runs as the `postgres` system user (initdb refuses root).
 *
 * @example
 * const pg = await startPostgres();   // pg.url = "postgres://postgres@127.0.0.1:PORT/postgres"
 * try { ... } finally { await pg.stop(); }
 */
export async function startPostgres(): Promise<RunningServer> {
  const dirs = pgBinDirs();
  const initdb = findBinary("initdb", dirs);
  const pgCtl = findBinary("pg_ctl", dirs);
  const dir = makeServerDir("sqlscope-pg-", USER);
  const data = join(dir, "data");
  const stopSync = () => runSync(pgCtl, ["stop", "-D", data, "-m", "immediate", "-s"], USER);
  try {
    await run(
      initdb,
      ["-D", data, "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"],
      { user: USER },
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        "-c listen_addresses=127.0.0.1",
        `-c unix_socket_directories=${dir}`,
        // A throwaway cluster: durability buys nothing and costs most of the test time.
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        await run(pgCtl, ["start", "-D", data, "-w", "-t", "30", "-s", "-l", join(dir, "log"), "-o", settings], {
          user: USER,
        });
        break;
      } catch (error) {
        // Another process may take the port between freePort() and the bind; a new port fixes that.
        if (attempt >= 3) throw await withLog(error, join(dir, "log"));
      }
    }
    process.once("exit", stopSync);
    let stopped = false;
    return {
      url: `postgres://${USER}@127.0.0.1:${port}/postgres`,
      dir,
      async restart() {
        // pg_ctl restart reuses the options the server was started with (postmaster.opts).
        await run(pgCtl, ["restart", "-D", data, "-m", "fast", "-w", "-t", "30", "-s", "-l", join(dir, "log")], {
          user: USER,
        });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener("exit", stopSync);
        await run(pgCtl, ["stop", "-D", data, "-m", "immediate", "-s"], { user: USER }).catch(() => undefined);
        removeDir(dir);
      },
    };
  } catch (error) {
    stopSync();
    removeDir(dir);
    throw error;
  }
}

async function withLog(error: unknown, logFile: string): Promise<unknown> {
  const log = await readLog(logFile);
  return log ? new ServerCommandError("pg_ctl start", log, error) : error;
}
