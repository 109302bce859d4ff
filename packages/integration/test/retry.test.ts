// runInScope(fn, { retry }) against real conflicts: SQLite's busy snapshot and PostgreSQL's 40001 (the
// rules themselves are tested on the fake driver in packages/core/test/retry.test.ts).
import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import {
  CHANNELS,
  CommitFailedError,
  SerializationError,
  SQLScope,
  type RetryMessage,
  type StandardSchema,
} from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";
import { postgresTestUrl } from "@sqlscope/test-support";
import { signal, sqliteDb, type RealDb } from "@sqlscope/integration/real-app";

describe("retries on a real SQLite busy-snapshot conflict", () => {
  let real: RealDb;
  afterEach(async () => real?.close());

  it("the reader whose snapshot went stale re-runs and both increments land", async () => {
    real = await sqliteDb("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)");
    const { db } = real;
    const readDone = signal();
    const otherCommitted = signal();
    const errors: unknown[] = [];
    const listener = (message: unknown) => errors.push((message as RetryMessage).error);
    diagnostics.subscribe(CHANNELS.retry, listener);
    let runs = 0;
    try {
      const reader = db.runInScope(
        async () => {
          runs++;
          const s = db.getSession();
          const n = await s.selectValue<number>("SELECT n FROM counter"); // the snapshot starts here
          if (runs === 1) {
            readDone.fire();
            await otherCommitted.promise;
          }
          await s.execute("UPDATE counter SET n = ?", [n + 1]);
        },
        { retry: { attempts: 3, backoffMs: 5 } },
      );
      await readDone.promise;
      await db.runInScope(() => db.getSession().execute("UPDATE counter SET n = n + 1"));
      otherCommitted.fire();
      await reader;
    } finally {
      diagnostics.unsubscribe(CHANNELS.retry, listener);
    }
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as SerializationError).cause).toMatchObject({ code: "SQLITE_BUSY_SNAPSHOT" });
    expect(await db.runInScope(() => db.getSession().selectValue<number>("SELECT n FROM counter"))).toBe(2);
    expect(db.stats().borrowed).toBe(0);
  });
});

const pgUrl = postgresTestUrl();

describe.skipIf(pgUrl === undefined)("retries on a real PostgreSQL 40001 (SERIALIZABLE write skew)", () => {
  it("two transactions that read each other's rows: the one that fails re-runs and the invariant holds", async () => {
    const table = `retry_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: pgUrl as string }), {
      commit: "autocommit",
      pool: { max: 4 },
    });
    try {
      await db.runInScope(() =>
        db
          .getSession()
          .executeScript(
            `CREATE TABLE ${table} (id int PRIMARY KEY, on_call boolean NOT NULL); INSERT INTO ${table} VALUES (1, true), (2, true);`,
          ),
      );
      const bothRead = barrier(2);
      const runs = { 1: 0, 2: 0 };
      const failures: unknown[] = [];
      const listener = (message: unknown) => failures.push((message as RetryMessage).error);
      diagnostics.subscribe(CHANNELS.retry, listener);
      // Each doctor leaves if someone else is on call: under SERIALIZABLE, only one may leave.
      const leave = (id: 1 | 2) =>
        db.runInScope(
          async () => {
            runs[id]++;
            const s = db.getSession();
            await s.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
            const onCall = await s.selectValue(countSchema, `SELECT count(*) FROM ${table} WHERE on_call`);
            if (runs[id] === 1) await bothRead();
            if (onCall >= 2) await s.execute(`UPDATE ${table} SET on_call = false WHERE id = ?`, [id]);
          },
          { retry: { attempts: 3, backoffMs: 5 } },
        );
      try {
        await Promise.all([leave(1), leave(2)]);
      } finally {
        diagnostics.unsubscribe(CHANNELS.retry, listener);
      }
      expect(failures).toHaveLength(1);
      const failure = failures[0];
      const serialization = failure instanceof CommitFailedError ? failure.cause : failure;
      expect(serialization).toBeInstanceOf(SerializationError);
      expect((serialization as SerializationError).cause).toMatchObject({ code: "40001" });
      expect(runs[1] + runs[2]).toBe(3);
      const stillOnCall = await db.runInScope(() =>
        db.getSession().selectValue(countSchema, `SELECT count(*) FROM ${table} WHERE on_call`),
      );
      expect(stillOnCall).toBe(1);
      await db.runInScope(() => db.getSession().executeScript(`DROP TABLE ${table}`));
    } finally {
      await db.close();
    }
  });
});

/** A Standard Schema that turns pg's bigint-as-string count into a number (no validator library needed). */
const countSchema: StandardSchema<unknown, number> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value: unknown) => ({ value: Number(value) }),
  },
};

/** Resolves every caller once `n` callers arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  const all = signal();
  return () => {
    if (++arrived >= n) all.fire();
    return all.promise;
  };
}
