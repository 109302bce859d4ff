import { ConfigError, type SQLScope } from "@sqlscope/core";
import { driverOf } from "@sqlscope/core/adapter";
import {
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from "kysely";
import { SQLScopeDriver } from "./driver.ts";

/** The SQL Kysely writes: the database's own, unless `flavor` says otherwise. */
export type KyselyFlavor = "sqlite" | "postgres" | "mysql";

export interface SQLScopeDialectOptions {
  /** The database key (as given to `db.add()`); the first key added when omitted. */
  key?: string;
  /** Which SQL Kysely writes; taken from the key's driver (sqlite, postgres, mysql) when omitted. */
  flavor?: KyselyFlavor;
}

const FLAVORS: readonly string[] = ["sqlite", "postgres", "mysql"];

/**
 * A Kysely dialect on the request's sqlscope session: every query of `new Kysely({ dialect })` runs on
 * `getSession(key)`, inside the scope's transaction, committed or rolled back by its policy. Outside a
 * scope a query fails with NoScopeError. `db.transaction()` inside a scope is a savepoint.
 *
 * @example
 * const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
 * export const kysely = new Kysely<Database>({ dialect: sqlscopeDialect(db) });
 * app.use(sqlscope(db));
 * app.post("/users", async (req, res) => {
 *   await kysely.insertInto("users").values({ email: req.body.email }).execute();
 *   res.status(201).end(); // committed before the client sees the 201
 * });
 */
export function sqlscopeDialect(db: SQLScope, options: SQLScopeDialectOptions = {}): Dialect {
  const key = options.key ?? db.defaultKey;
  const flavor = options.flavor ?? driverOf(db, key).name;
  if (!FLAVORS.includes(flavor)) {
    throw new ConfigError(
      `Kysely has no built-in dialect for the ${JSON.stringify(flavor)} driver of "${key}". Pass the SQL it speaks: ` +
        `sqlscopeDialect(db, { key: "${key}", flavor: "postgres" }) (one of ${FLAVORS.join(", ")}).`,
    );
  }
  return new SQLScopeDialect(db, key, flavor as KyselyFlavor);
}

class SQLScopeDialect implements Dialect {
  private readonly db: SQLScope;
  private readonly key: string;
  private readonly flavor: KyselyFlavor;

  constructor(db: SQLScope, key: string, flavor: KyselyFlavor) {
    this.db = db;
    this.key = key;
    this.flavor = flavor;
  }

  createDriver(): Driver {
    return new SQLScopeDriver(this.db, this.key);
  }

  createQueryCompiler(): QueryCompiler {
    if (this.flavor === "postgres") return new PostgresQueryCompiler();
    return this.flavor === "mysql" ? new MysqlQueryCompiler() : new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    if (this.flavor === "postgres") return new PostgresAdapter();
    return this.flavor === "mysql" ? new MysqlAdapter() : new SqliteAdapter();
  }

  createIntrospector(kysely: Kysely<any>): DatabaseIntrospector {
    if (this.flavor === "postgres") return new PostgresIntrospector(kysely);
    return this.flavor === "mysql" ? new MysqlIntrospector(kysely) : new SqliteIntrospector(kysely);
  }
}
