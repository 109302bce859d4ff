import type { ValueTable } from "@sqlscope/core/testing";

/**
 * What each SQL type comes back as on SQLite (better-sqlite3, default options): SQLite stores
 * integers, doubles, text and blobs, and a column's declared type only picks which of them it
 * prefers. The SQLite column of the table in docs/drivers.md.
 */
export const sqliteValues: ValueTable = {
  integer: { expected: 42 },
  bigint: { expected: 7 },
  // A number, rounded: better-sqlite3 returns every integer as a double unless safeIntegers is set.
  bigint_over_2_53: { expected: 9007199254740992 },
  count: { expected: 1 },
  sum: { expected: 42 },
  // DECIMAL has numeric affinity: stored as a double, not exact.
  decimal: { expected: 12345.6789 },
  double: { expected: 1.5 },
  boolean: { expected: 1 },
  text: { expected: "héllo ✓" },
  // Dates and times are the text you stored.
  date: { expected: "2024-01-02" },
  timestamp: { expected: "2024-01-02 03:04:05.678" },
  timestamptz: { expected: "2024-01-02 03:04:05.678+00:00" },
  json: { expected: '{"a":[1,2],"b":null}' },
  bytes: { expected: Buffer.from([1, 2, 255]) },
  null: { expected: null },
};
