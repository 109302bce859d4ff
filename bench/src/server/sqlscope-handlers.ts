import { getSession, SQLScope } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { NODB_REPLY, type DbTarget, type Handlers, type Reply } from "./config.ts";

const SELECT = "SELECT id, name, email, visits FROM users WHERE id = ?";
const UPDATE = "UPDATE users SET visits = visits + 1 WHERE id = ?";

/** The sqlscope driver for a target. Imported lazily so a server loads only the driver it runs. */
export async function sqlscopeDriver(db: DbTarget): Promise<Driver> {
  switch (db.kind) {
    case "sqlite": {
      const { sqlite } = await import("@sqlscope/sqlite");
      return sqlite({ filename: db.file });
    }
    case "postgres": {
      const { postgres } = await import("@sqlscope/postgres");
      return postgres({ connectionString: db.url });
    }
    case "mysql": {
      const { mysql } = await import("@sqlscope/mysql");
      return mysql({ uri: db.url });
    }
    case "duckdb": {
      const { duckdb } = await import("@sqlscope/duckdb");
      return duckdb({ path: db.file }) as Driver;
    }
  }
}

/** L: the registry every request's scope comes from, in autocommit mode (commit on 2xx, else roll back). */
export async function sqlscopeRegistry(
  db: DbTarget,
  poolMax: number,
  extraPool: Readonly<Record<string, number>> = {},
): Promise<SQLScope> {
  // Default pool options (only max is set, as for every variant): what a user gets without tuning.
  return new SQLScope().add(await sqlscopeDriver(db), {
    key: "db",
    commit: "autocommit",
    pool: { ...extraPool, max: poolMax },
  });
}

/** L's routes: plain getSession() calls; the adapter commits or rolls back by the status. */
export function sqlscopeHandlers(registry: SQLScope): Handlers {
  const readRow = async (id: number): Promise<Reply> => {
    const row = await getSession().selectOneOrNull(SELECT, [id]);
    return row === null ? { status: 404, body: { error: "not found" } } : { status: 200, body: row };
  };
  return {
    read: readRow,
    update: async (id) => {
      await getSession().execute(UPDATE, [id]);
      return readRow(id);
    },
    nodb: () => NODB_REPLY,
    error: async (id) => {
      await getSession().execute(UPDATE, [id]);
      return { status: 500, body: { error: "rolled back on purpose" } };
    },
    close: async () => {
      await registry.close();
    },
  };
}
