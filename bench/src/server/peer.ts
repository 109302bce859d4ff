import { AsyncLocalStorage } from "node:async_hooks";
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type ControlledTransaction, type Dialect } from "kysely";
import { NODB_REPLY, type DbTarget, type Handlers, type Reply } from "./config.ts";
import { openSqlite } from "./raw/sqlite.ts";

interface UsersTable {
  id: number;
  name: string;
  email: string;
  visits: number;
}
export interface Schema {
  users: UsersTable;
}
type Trx = ControlledTransaction<Schema>;

/**
 * P: Kysely with the per-request transaction pattern its users write: a middleware begins a
 * transaction for every request, keeps it in an AsyncLocalStorage, and commits or rolls back by the
 * response status. Kysely has no DuckDB dialect of its own, so P is not measured on DuckDB.
 */
export interface Peer<T = Trx> {
  readonly handlers: Handlers;
  begin(): Promise<T>;
  /** Commits on a status below 400, rolls back otherwise. Never rejects. */
  end(trx: T, status: number): Promise<void>;
  run<R>(trx: T, fn: () => R): R;
}

/** Kysely's own dialect for a target, on a pool of `poolMax`; undefined for DuckDB (Kysely has none). */
export async function kyselyDialect(db: DbTarget, poolMax: number): Promise<Dialect | undefined> {
  let dialect;
  switch (db.kind) {
    case "sqlite":
      dialect = new SqliteDialect({ database: openSqlite(db.file) });
      break;
    case "postgres": {
      const pg = (await import("pg")).default;
      const pool = new pg.Pool({ connectionString: db.url, max: poolMax });
      pool.on("error", () => undefined);
      dialect = new PostgresDialect({ pool });
      break;
    }
    case "mysql": {
      const { createPool } = await import("mysql2");
      dialect = new MysqlDialect({ pool: createPool({ uri: db.url, connectionLimit: poolMax }) });
      break;
    }
    case "duckdb":
      return undefined;
  }
  return dialect;
}

/** The routes in Kysely, on whatever `q()` gives: the request's transaction (P), or the Kysely itself (K, LK). */
export function kyselyRoutes(q: () => Kysely<Schema> | Trx, close: () => Promise<void>): Handlers {
  const readRow = async (id: number): Promise<Reply> => {
    const row = await q()
      .selectFrom("users")
      .select(["id", "name", "email", "visits"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row === undefined ? { status: 404, body: { error: "not found" } } : { status: 200, body: row };
  };
  const bump = (id: number) =>
    q()
      .updateTable("users")
      .set((eb) => ({ visits: eb("visits", "+", 1) }))
      .where("id", "=", id)
      .execute();
  return {
    read: readRow,
    update: async (id) => {
      await bump(id);
      return readRow(id);
    },
    nodb: () => NODB_REPLY,
    error: async (id) => {
      await bump(id);
      return { status: 500, body: { error: "rolled back on purpose" } };
    },
    close,
  };
}

export async function makePeer(db: DbTarget, poolMax: number): Promise<Peer | undefined> {
  const dialect = await kyselyDialect(db, poolMax);
  if (dialect === undefined) return undefined;
  const kysely = new Kysely<Schema>({ dialect });
  const storage = new AsyncLocalStorage<Trx>();
  const trx = (): Trx => {
    const current = storage.getStore();
    if (current === undefined) throw new Error("no request transaction: the peer middleware is not mounted");
    return current;
  };
  return {
    handlers: kyselyRoutes(trx, () => kysely.destroy()),
    begin: () => kysely.startTransaction().execute(),
    async end(t, status) {
      try {
        if (status < 400) await t.commit().execute();
        else await t.rollback().execute();
      } catch {
        // A failed commit/rollback is the peer's to report; the benchmark counts only served requests.
      }
    },
    run: (t, fn) => storage.run(t, fn),
  };
}
