import { quoteDouble, type Dialect, type Driver, type ErrorClass } from "@sqlscope/core/driver";
import type pg from "pg";
import { classifyPostgresError } from "./classify.ts";
import { PostgresConnection } from "./connection.ts";
import { resolveOptions, type PostgresOptions } from "./options.ts";

// The Bind message counts parameters in 16 bits: more would overflow the protocol mid-send.
const DIALECT: Dialect = {
  placeholder: "$",
  quoteIdentifier: quoteDouble,
  savepoints: true,
  maxParameters: 65_535,
  nestedComments: true,
  readOnlyTransactions: true,
};

/**
 * A PostgreSQL database for `db.add()`, on node-postgres (`pg`), one pg Client per pooled connection.
 *
 * @example
 * const db = new SQLScope().add(
 *   postgres({ connectionString: process.env.DATABASE_URL ?? "postgres://localhost/app", statementTimeoutMs: 5_000 }),
 *   { key: "db", commit: "autocommit" },
 * );
 */
export function postgres(options: PostgresOptions): Driver<pg.Client> {
  const resolved = resolveOptions(options);
  return {
    name: "postgres",
    dialect: DIALECT,
    connect: () => PostgresConnection.open(resolved.client, resolved.settings),
    classifyError: (error: unknown): ErrorClass => classifyPostgresError(error),
  };
}
