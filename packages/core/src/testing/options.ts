import type { Driver } from "../driver.ts";
import type { PoolOptions } from "../pool/options.ts";
import type { SessionStateCase } from "./session-state-cases.ts";
import type { ValueTable } from "./value-cases.ts";

/** What differs between databases; the suite skips or adapts the checks these turn off. */
export interface ConformanceCapabilities {
  /** SAVEPOINT works: nested transaction(fn) rolls back only its own work. Otherwise it must throw UnsupportedError. */
  savepoints: boolean;
  /** execute() reports the generated id of an INSERT (SQLite, MySQL). */
  lastInsertId: boolean;
  /** INSERT ... RETURNING returns rows (SQLite, PostgreSQL, DuckDB, MariaDB >= 10.5). */
  returning: boolean;
  /** The `::` cast operator exists (PostgreSQL, DuckDB). Default false. */
  castOperator?: boolean;
  /** FOREIGN KEY constraints are enforced. Default true. */
  foreignKeys?: boolean;
  /** CHECK constraints are enforced. Default true. */
  checkConstraints?: boolean;
}

/** Dialect-specific DDL. Column types default to ones every supported database accepts. */
export interface ConformanceSql {
  /** Column definition of an auto-generated integer primary key, e.g. "INTEGER PRIMARY KEY" (SQLite),
   *  "SERIAL PRIMARY KEY" (PostgreSQL), "INTEGER AUTO_INCREMENT PRIMARY KEY" (MySQL). */
  autoIncrementPk: string;
  /** A short string column type usable in a UNIQUE constraint. Default "VARCHAR(200)". */
  text: string;
  /** Statements run before the suite's tables are created (a DuckDB sequence, for example). `{prefix}` is replaced. */
  beforeSchema: readonly string[];
  /** Statements run after the suite's tables are dropped. `{prefix}` is replaced. */
  afterSchema: readonly string[];
}

export interface DriverConformanceOptions {
  /** Shown in the describe() title; also picks the built-in session-state cases ("postgres", "sqlite", "duckdb", "mysql"). */
  name: string;
  /** A new driver for the SAME database each call (the suite registers two keys: manual and autocommit). */
  makeDriver: () => Driver | Promise<Driver>;
  capabilities: ConformanceCapabilities;
  sql?: Partial<ConformanceSql>;
  /** Pool options for both keys (max must be >= 2 for the concurrency checks; default 4). */
  pool?: Partial<PoolOptions>;
  /**
   * Session state cases besides the built-in ones for the driver's name (postgres, sqlite, duckdb,
   * mysql): each is set by one scope and must not be seen by the next scope on the same connection.
   */
  sessionState?: readonly SessionStateCase[];
  /**
   * What every SQL type of the suite's value table comes back as on this driver (with its default
   * options), and the column type or literal where the suite's default SQL does not apply. It is the
   * driver's column of the "SQL type -> JS value" table in docs/drivers.md.
   */
  values: ValueTable;
}

export interface ResolvedConformance {
  readonly name: string;
  readonly makeDriver: () => Driver | Promise<Driver>;
  readonly can: Required<ConformanceCapabilities>;
  readonly sql: ConformanceSql;
  readonly pool: Partial<PoolOptions>;
  readonly sessionState: readonly SessionStateCase[];
  readonly values: ValueTable;
}

export function resolveConformance(options: DriverConformanceOptions): ResolvedConformance {
  return {
    name: options.name,
    makeDriver: options.makeDriver,
    can: { castOperator: false, foreignKeys: true, checkConstraints: true, ...options.capabilities },
    sql: {
      autoIncrementPk: "INTEGER PRIMARY KEY",
      text: "VARCHAR(200)",
      beforeSchema: [],
      afterSchema: [],
      ...options.sql,
    },
    pool: { max: 4, acquireTimeoutMs: 5_000, leakDetectionMs: 0, ...options.pool },
    sessionState: options.sessionState ?? [],
    values: options.values,
  };
}
