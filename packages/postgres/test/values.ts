import { expectedDate, type ValueTable } from "@sqlscope/core/testing";

/** What each SQL type comes back as on PostgreSQL (pg's default type parsers). The PostgreSQL column of the table in docs/drivers.md. */
export const postgresValues: ValueTable = {
  integer: { expected: 42 },
  // int8 is text, exact: pg does not guess whether a double can hold it.
  bigint: { expected: "7" },
  bigint_over_2_53: { expected: "9007199254740993" },
  count: { expected: "1" },
  sum: { expected: "42" },
  decimal: { expected: "12345.6789" },
  double: { expected: 1.5 },
  boolean: { expected: true },
  text: { expected: "héllo ✓" },
  // DATE and TIMESTAMP (no time zone) are read as wall-clock time in the process's time zone.
  date: { expected: expectedDate("2024-01-02T00:00:00", "local") },
  timestamp: { expected: expectedDate("2024-01-02T03:04:05.678", "local") },
  timestamptz: { expected: expectedDate("2024-01-02T03:04:05.678", "utc") },
  json: { expected: { a: [1, 2], b: null } },
  bytes: { expected: Buffer.from([1, 2, 255]), column: "BYTEA" },
  null: { expected: null },
};
