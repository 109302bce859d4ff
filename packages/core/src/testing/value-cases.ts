/**
 * The SQL types whose JS value the conformance suite pins per driver, in the order of the table in
 * docs/drivers.md ("SQL type -> JS value"). A driver's conformance file says, for every one, what its
 * driver gives back, so a change of what a user's rows contain fails a test instead of an app.
 */
export const VALUE_TYPES = [
  "integer",
  "bigint",
  "bigint_over_2_53",
  "count",
  "sum",
  "decimal",
  "double",
  "boolean",
  "text",
  "date",
  "timestamp",
  "timestamptz",
  "json",
  "bytes",
  "null",
] as const;

export type ValueType = (typeof VALUE_TYPES)[number];

/** What one database gives back for one SQL type, and how to store it where the suite's default SQL does not apply. */
export interface ValueCase {
  /**
   * The JS value read back, compared strictly (42, "42" and 42n differ; a Buffer is not a
   * Uint8Array). Dates are given with `expectedDate()`, because which instant a wall-clock text
   * stands for depends on the process's time zone.
   */
  expected: unknown;
  /** This database's column type, when the suite's default (see VALUE_COLUMNS) is not one it has. */
  column?: string;
  /** This database's SQL literal for the stored value, when the suite's default does not mean the same here. */
  literal?: string;
}

/** Every SQL type's case: a driver must say what each one comes back as. */
export type ValueTable = Readonly<Record<ValueType, ValueCase>>;

/** A Date the suite expects: `text` read as wall-clock time in the process's time zone, or as UTC. */
export interface ExpectedDate {
  readonly kind: "date";
  readonly text: string;
  readonly zone: "local" | "utc";
}

/**
 * The Date a driver should return for a stored wall-clock text: "local" when it reads the text in the
 * process's time zone (pg's DATE and TIMESTAMP, mysql2's), "utc" when it reads it as UTC or the
 * value is an instant (TIMESTAMPTZ, DuckDB). The suite runs these checks in a time zone that is not
 * UTC, so the two differ.
 *
 * @example
 * values: { date: { expected: expectedDate("2024-01-02T00:00:00", "local") }, ... }
 */
export function expectedDate(text: string, zone: "local" | "utc"): ExpectedDate {
  return { kind: "date", text, zone };
}

export function isExpectedDate(value: unknown): value is ExpectedDate {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "date" && "zone" in value
  );
}

/** The Date `expected` stands for, in the time zone the process has now. */
export function toDate(expected: ExpectedDate): Date {
  return new Date(expected.zone === "utc" ? `${expected.text}Z` : expected.text);
}

/** How the suite stores each type: a column of the values table and the SQL literal of its one row. */
export interface ValueColumn {
  readonly column: string;
  /** The SQL literal inserted; `bytes` are bound as a parameter instead (no literal is portable). */
  readonly literal: string;
}

/** The suite's defaults: standard SQL the four supported databases mostly share. */
export const VALUE_COLUMNS: Readonly<Record<Exclude<ValueType, "count" | "sum">, ValueColumn>> = {
  integer: { column: "INTEGER", literal: "42" },
  bigint: { column: "BIGINT", literal: "7" },
  // 2^53 + 1: the first integer a double cannot hold.
  bigint_over_2_53: { column: "BIGINT", literal: "9007199254740993" },
  decimal: { column: "DECIMAL(18,4)", literal: "12345.6789" },
  double: { column: "DOUBLE PRECISION", literal: "1.5" },
  boolean: { column: "BOOLEAN", literal: "TRUE" },
  text: { column: "VARCHAR(200)", literal: "'héllo ✓'" },
  date: { column: "DATE", literal: "'2024-01-02'" },
  timestamp: { column: "TIMESTAMP", literal: "'2024-01-02 03:04:05.678'" },
  timestamptz: { column: "TIMESTAMPTZ", literal: "'2024-01-02 03:04:05.678+00:00'" },
  json: { column: "JSON", literal: `'{"a":[1,2],"b":null}'` },
  bytes: { column: "BLOB", literal: "?" },
  null: { column: "INTEGER", literal: "NULL" },
};

/** The bytes stored in the `bytes` column (bound as a Buffer on every driver). */
export const STORED_BYTES: Readonly<Buffer> = Buffer.from([0x01, 0x02, 0xff]);
