import { expectedDate, type ValueTable } from "@sqlscope/core/testing";

/** What each SQL type comes back as on DuckDB (default options: `integers: "number"`). The DuckDB column of the table in docs/drivers.md. */
export const duckdbValues: ValueTable = {
  integer: { expected: 42 },
  bigint: { expected: 7 },
  // BIGINT and HUGEINT are numbers when a double holds them exactly, bigint otherwise.
  bigint_over_2_53: { expected: 9007199254740993n },
  count: { expected: 1 },
  // sum() of INTEGER is a HUGEINT: a number while exact.
  sum: { expected: 42 },
  decimal: { expected: "12345.6789" },
  double: { expected: 1.5 },
  boolean: { expected: true },
  text: { expected: "héllo ✓" },
  // DATE and TIMESTAMP are read as UTC, whatever the process's time zone.
  date: { expected: expectedDate("2024-01-02T00:00:00", "utc") },
  timestamp: { expected: expectedDate("2024-01-02T03:04:05.678", "utc") },
  timestamptz: { expected: expectedDate("2024-01-02T03:04:05.678", "utc") },
  json: { expected: '{"a":[1,2],"b":null}' },
  bytes: { expected: Buffer.from([1, 2, 255]) },
  null: { expected: null },
};
