import { join } from "node:path";
import { pgBinDirs } from "./postgres.ts";
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

/**
 * Starts a streaming replica (hot standby) of the PostgreSQL at `primaryUrl` on 127.0.0.1 and a free
 * port: `pg_basebackup -R` copies the primary's cluster and writes standby.signal and primary_conninfo,
 * then the copy starts read-only and follows the primary's WAL. The primary must allow replication
 * connections from 127.0.0.1 (initdb's trust pg_hba.conf does). Tests may pause replay with
 * pg_wal_replay_pause() to see lag; a resume is theirs to do.
 *
 * @example
 * const replica = await startReplica(pg.url);   // replica.url = "postgres://postgres@127.0.0.1:PORT/postgres"
 * try { ... } finally { await replica.stop(); }
 */
export async function startReplica(primaryUrl: string): Promise<RunningServer> {
  const dirs = pgBinDirs();
  const basebackup = findBinary("pg_basebackup", dirs);
  const pgCtl = findBinary("pg_ctl", dirs);
  const primary = new URL(primaryUrl);
  const dir = makeServerDir("sqlscope-pg-replica-", USER);
  const data = join(dir, "data");
  const stopSync = () => runSync(pgCtl, ["stop", "-D", data, "-m", "immediate", "-s"], USER);
  try {
    await run(
      basebackup,
      [
        "-h",
        primary.hostname,
        "-p",
        primary.port,
        "-U",
        USER,
        "-D",
        data,
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
      ],
      { user: USER, timeoutMs: 60_000 },
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        "-c listen_addresses=127.0.0.1",
        `-c unix_socket_directories=${dir}`,
        "-c fsync=off",
        // A standby needs at least the primary's max_connections (startPostgres: 200).
        "-c max_connections=200",
        "-c hot_standby=on",
        // Tell the primary what the standby still reads, so a long test query is not cancelled by a vacuum.
        "-c hot_standby_feedback=on",
        "-c wal_receiver_status_interval=1s",
      ].join(" ");
      try {
        await run(pgCtl, ["start", "-D", data, "-w", "-t", "60", "-s", "-l", join(dir, "log"), "-o", settings], {
          user: USER,
          timeoutMs: 70_000,
        });
        break;
      } catch (error) {
        if (attempt >= 3) {
          const log = await readLog(join(dir, "log"));
          throw log ? new ServerCommandError("pg_ctl start (replica)", log, error) : error;
        }
      }
    }
    process.once("exit", stopSync);
    let stopped = false;
    return {
      url: `postgres://${USER}@127.0.0.1:${port}/postgres`,
      dir,
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
