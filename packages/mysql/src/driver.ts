import { quoteBacktick, type Dialect, type Driver, type ErrorClass } from "@sqlscope/core/driver";
import type { Connection as PromiseConnection } from "mysql2/promise";
import { classifyMysqlError } from "./classify.ts";
import { MysqlConnection } from "./connection.ts";
import { resolveOptions, type MysqlOptions } from "./options.ts";

const DIALECT: Dialect = {
  placeholder: "?",
  quoteIdentifier: quoteBacktick,
  savepoints: true,
  lexer: "mysql",
  backslashEscapes: true,
  readOnlyTransactions: true,
};

/**
 * A MySQL or MariaDB database for `db.add()`, on mysql2, one connection per pooled connection.
 *
 * @example
 * const db = new SQLScope().add(
 *   mysql({ uri: process.env.DATABASE_URL ?? "mysql://root@localhost/app", sessionVariables: { innodb_lock_wait_timeout: 5 } }),
 *   { key: "db", commit: "autocommit" },
 * );
 */
export function mysql(options: MysqlOptions): Driver<PromiseConnection> {
  const resolved = resolveOptions(options);
  const settings = {
    sessionVariables: resolved.sessionVariables,
    resetOnRelease: resolved.resetOnRelease,
    database: resolved.database,
  };
  return {
    name: "mysql",
    dialect: DIALECT,
    connect: () => MysqlConnection.open(resolved.connection, settings),
    classifyError: (error: unknown): ErrorClass => classifyMysqlError(error),
  };
}
