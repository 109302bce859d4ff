// Reads on a real streaming replica (a hot standby made with pg_basebackup -R, started by the test
// setup): getReadSession() goes there, in READ ONLY transactions; a write there is a ReadOnlyError;
// the lag is made visible by pausing replay; the scope that wrote reads from the primary; and when the
// replica goes down (a fault proxy in front of it refuses and resets) reads fall back to the primary
// and return once it is back. The figures go to docs/scaling.md.
import { getReadSession, getSession, ReadOnlyError, SQLScope } from "@sqlscope/core";
import { FaultProxy, postgresTestUrl, replicaTestUrl } from "@sqlscope/test-support";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgres } from "../src/index.ts";
import { createTestDatabase, eventually, type TestDatabase } from "./helpers.ts";

const primaryServer = postgresTestUrl();
const replicaServer = replicaTestUrl();

describe.skipIf(primaryServer === undefined || replicaServer === undefined)(
  "@sqlscope/postgres with a streaming replica",
  () => {
    let tdb: TestDatabase;
    let replicaUrl: string;
    /** On the replica's "postgres" database: pause and resume replay, read the lag. */
    let standby: pg.Client;
    let proxy: FaultProxy;
    let db: SQLScope;
    let n = 0;
    const tag = (what: string) => `${what}-${++n}`;

    const inRecovery = () => getReadSession().selectValue<boolean>("SELECT pg_is_in_recovery()");
    const count = (t: string) =>
      getReadSession().selectValue<number>("SELECT count(*)::int FROM notes WHERE tag = ?", [t]);
    const write = (t: string, durable: boolean) =>
      db.runInScope(async () => {
        // The test primary runs synchronous_commit=off (WAL leaves up to wal_writer_delay, 200 ms, after
        // COMMIT); a production primary flushes at COMMIT, as this transaction asks for.
        if (durable) await getSession().execute("SET LOCAL synchronous_commit = on");
        await getSession().execute("INSERT INTO notes (tag) VALUES (?)", [t]);
      });

    beforeAll(async () => {
      tdb = await createTestDatabase(primaryServer as string, "pgreplica");
      await tdb.admin.query("SELECT 1");
      const schema = new pg.Client({ connectionString: tdb.url });
      await schema.connect();
      await schema.query("CREATE TABLE notes (id serial PRIMARY KEY, tag text NOT NULL)");
      await schema.end();
      const url = new URL(replicaServer as string);
      url.pathname = new URL(tdb.url).pathname;
      replicaUrl = url.toString();
      standby = new pg.Client({ connectionString: replicaServer as string });
      standby.on("error", () => undefined);
      await standby.connect();
      // The new database and table reach the standby once replayed.
      await eventually(async () => {
        const probe = new pg.Client({ connectionString: replicaUrl });
        probe.on("error", () => undefined);
        try {
          await probe.connect();
          await probe.query("SELECT 1 FROM notes LIMIT 1");
          return true;
        } catch {
          return false;
        } finally {
          await probe.end().catch(() => undefined);
        }
      }, "the test database replayed on the replica");
      proxy = await FaultProxy.start(replicaUrl);
      db = new SQLScope({ onWarning: () => undefined })
        .add(postgres({ connectionString: tdb.url }), { key: "db", commit: "autocommit" })
        .add(postgres({ connectionString: proxy.url(replicaUrl), connectTimeoutMs: 1_000 }), {
          key: "replica",
          replicaOf: "db",
          probeIntervalMs: 100,
          pool: { acquireTimeoutMs: 1_000, createBackoffMs: 20, validationTimeoutMs: 300 },
        });
    });

    afterEach(async () => {
      proxy.set({ mode: "pass" });
      await standby.query("SELECT pg_wal_replay_resume()");
    });

    afterAll(async () => {
      await db?.close();
      await proxy?.close();
      await standby?.end();
      await tdb?.drop();
    });

    it("getReadSession() reads on the hot standby, inside a READ ONLY transaction", async () => {
      await db.runInScope(async () => {
        expect(await inRecovery()).toBe(true);
        expect(await getReadSession().selectValue("SELECT current_setting('transaction_read_only')")).toBe("on");
        expect(getReadSession()).toBe(getSession("replica"));
      });
    });

    it("a write on the replica's key is a ReadOnlyError that names the primary's key; readOnly: true refuses writes on a writable server too", async () => {
      const t = tag("refused");
      const error = await db
        .runInScope(() => getSession("replica").execute("INSERT INTO notes (tag) VALUES (?)", [t]))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReadOnlyError);
      expect(error).toMatchObject({ code: "ERR_SQLSCOPE_READ_ONLY", key: "replica" });
      expect((error as Error).message).toMatch(/getSession\("db"\)/);
      // The same guard from BEGIN READ ONLY alone, on the primary itself.
      const ro = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: tdb.url }), {
        key: "ro",
        readOnly: true,
      });
      try {
        await expect(
          ro.runInScope(() => getSession().execute("INSERT INTO notes (tag) VALUES (?)", [t])),
        ).rejects.toBeInstanceOf(ReadOnlyError);
        expect(await ro.runInScope(() => getSession().selectValue<boolean>("SELECT pg_is_in_recovery()"))).toBe(false);
      } finally {
        await ro.close();
      }
      expect(
        await db.runInScope(() =>
          getSession().selectValue<number>("SELECT count(*)::int FROM notes WHERE tag = ?", [t]),
        ),
      ).toBe(0);
    });

    it("lag made visible: with replay paused a committed row is missing on the replica, the scope that wrote reads it from the primary, and it appears after resume", async () => {
      await standby.query("SELECT pg_wal_replay_pause()");
      await eventually(
        async () => (await standby.query("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0]?.s === "paused",
        "replay paused",
      );
      const t = tag("lag");
      // Read your writes: after the insert this scope's reads go to the primary, which has the row.
      await db.runInScope(async () => {
        await getSession().execute("INSERT INTO notes (tag) VALUES (?)", [t]);
        expect(getReadSession()).toBe(getSession("db"));
        expect(await count(t)).toBe(1);
        expect(await inRecovery()).toBe(false);
      });
      // Another scope reads on the replica: committed, received, not replayed.
      await db.runInScope(async () => {
        expect(await inRecovery()).toBe(true);
        expect(await count(t)).toBe(0);
      });
      // The standby has the WAL (or soon: the test primary runs synchronous_commit=off, so WAL leaves up
      // to wal_writer_delay after COMMIT) but has not applied it: the lag, in bytes.
      let lagBytes = 0;
      await eventually(async () => {
        const lag = await standby.query<{ bytes: string }>(
          "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text AS bytes",
        );
        lagBytes = Number(lag.rows[0]?.bytes);
        return lagBytes > 0;
      }, "WAL received but not replayed");
      const resumed = performance.now();
      await standby.query("SELECT pg_wal_replay_resume()");
      await eventually(() => db.runInScope(async () => (await count(t)) === 1), "the row on the replica after resume");
      console.log(
        `[replica] ${JSON.stringify({ pausedLagBytes: lagBytes, visibleAfterResumeMs: Math.round(performance.now() - resumed) })}`,
      );
    });

    it("replication lag in normal operation: commit on the primary to visible on the replica", async () => {
      const figures: Record<string, { medianMs: number; maxMs: number }> = {};
      for (const durable of [true, false]) {
        const samples: number[] = [];
        for (let i = 0; i < 10; i++) {
          const t = tag("lag-sample");
          await write(t, durable);
          const committed = performance.now();
          await eventually(() => db.runInScope(async () => (await count(t)) === 1), "the row on the replica", 5_000);
          samples.push(performance.now() - committed);
        }
        samples.sort((a, b) => a - b);
        const median = samples[Math.floor(samples.length / 2)] as number;
        figures[durable ? "synchronous_commit=on" : "synchronous_commit=off"] = {
          medianMs: Math.round(median),
          maxMs: Math.round(samples.at(-1) as number),
        };
        // A generous bound on loopback: this is streaming replication, not a batch job.
        expect(median).toBeLessThan(1_000);
      }
      console.log(`[replica] ${JSON.stringify({ lag: figures })}`);
    });

    it("replica down: the read that finds out fails (500 for a lost connection, 503 for a refused connect), the next reads use the primary, and reads return once it is back", async () => {
      await db.runInScope(async () => expect(await inRecovery()).toBe(true)); // a warm replica connection
      proxy.set({ mode: "down" });
      proxy.resetAll();
      const t0 = performance.now();
      const first = await db.runInScope(() => inRecovery()).catch((e: unknown) => e);
      const firstMs = performance.now() - t0;
      expect(first).toMatchObject({ code: expect.stringMatching(/ERR_SQLSCOPE_(POOL_TIMEOUT|CONNECTION)/) as unknown });
      const refusedBefore = proxy.stats().refused;
      const fallbackMs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        expect(await db.runInScope(() => inRecovery())).toBe(false);
        fallbackMs.push(performance.now() - started);
      }
      // One probe per interval at most, not a connect per read.
      expect(proxy.stats().refused - refusedBefore).toBeLessThanOrEqual(3);
      proxy.set({ mode: "pass" });
      const back = performance.now();
      await eventually(() => db.runInScope(() => inRecovery()), "reads on the replica again");
      console.log(
        `[replica] ${JSON.stringify({
          downFirstReadMs: Math.round(firstMs),
          firstReadError: (first as { code?: string }).code,
          fallbackReadMaxMs: Math.round(Math.max(...fallbackMs)),
          backOnReplicaAfterMs: Math.round(performance.now() - back),
        })}`,
      );
    });
  },
);
