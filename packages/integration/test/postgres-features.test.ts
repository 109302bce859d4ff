// Hooks, typed rows and diagnostics on a real PostgreSQL server (retries have their own test in retry.test.ts).
import diagnostics from "node:diagnostics_channel";
import { postgres } from "@sqlscope/postgres";
import { postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  afterCommit,
  afterRollback,
  CHANNELS,
  currentScope,
  getSession,
  RowValidationError,
  SQLScope,
  type QueryMessage,
  type ScopeView,
} from "@sqlscope/core";

const url = postgresTestUrl();

describe.skipIf(url === undefined)("hooks, typed rows and diagnostics on PostgreSQL", () => {
  const table = `features_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  let db: SQLScope;

  beforeAll(async () => {
    db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: url as string }), {
      commit: "autocommit",
    });
    await db.runInScope(() =>
      getSession().executeScript(
        `CREATE TABLE ${table} (id serial PRIMARY KEY, price numeric(8,2) NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
      ),
    );
  });
  afterAll(async () => {
    await db.runInScope(() => getSession().executeScript(`DROP TABLE IF EXISTS ${table}`));
    await db.close();
  });

  const count = () => db.runInScope(() => getSession().selectValue(z.coerce.number(), `SELECT count(*) FROM ${table}`));

  it("afterCommit sees the committed row from a new scope; afterRollback runs for a failed scope", async () => {
    const seen: string[] = [];
    await db.runInScope(async () => {
      await getSession().execute(`INSERT INTO ${table} (price) VALUES (?)`, [9.99]);
      afterCommit(async () => void seen.push(`commit: ${await count()}`));
    });
    await db
      .runInScope(async () => {
        await getSession().execute(`INSERT INTO ${table} (price) VALUES (?)`, [1]);
        afterRollback(async () => void seen.push(`rollback: ${await count()}`));
        await getSession().execute(`INSERT INTO ${table} (price) VALUES (NULL)`);
      })
      .catch(() => undefined);
    expect(seen).toEqual(["commit: 1", "rollback: 1"]);
  });

  it("typed rows coerce pg's strings (numeric, bigint) and name the column that does not fit", async () => {
    const Row = z.object({ id: z.number(), price: z.coerce.number(), at: z.date() });
    const rows = await db.runInScope(() => getSession().select(Row, `SELECT id, price, at FROM ${table}`));
    expect(rows[0]?.price).toBe(9.99);
    expect(rows[0]?.at).toBeInstanceOf(Date);
    const strict = z.object({ id: z.number(), price: z.number() });
    const error = await db
      .runInScope(() => getSession().select(strict, `SELECT id, price FROM ${table}`))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowValidationError);
    expect(error).toMatchObject({ rowIndex: 0, column: "price" });
  });

  it("publishes query events with the native SQL text and fills the figures", async () => {
    const queries: QueryMessage[] = [];
    const listener = (m: unknown) => queries.push(m as QueryMessage);
    diagnostics.subscribe(CHANNELS.query, listener);
    let scope: ScopeView | undefined;
    try {
      await db.runInScope(async () => {
        scope = currentScope();
        await getSession().select(`SELECT id FROM ${table} WHERE price > :min`, { min: 0 });
      });
    } finally {
      diagnostics.unsubscribe(CHANNELS.query, listener);
    }
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({ driver: "postgres", sql: `SELECT id FROM ${table} WHERE price > $1`, rows: 1 });
    expect(scope?.figures).toMatchObject({ keys: ["db"], statements: 1, result: "commit", ok: true });
  });
});
