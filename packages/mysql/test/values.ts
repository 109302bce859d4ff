import { expectedDate, type ValueTable } from "@sqlscope/core/testing";

/**
 * What each SQL type comes back as on MySQL/MariaDB (mysql2 with sqlscope's defaults:
 * `supportBigNumbers: true`, `timezone: "local"`). The MySQL column of the table in docs/drivers.md.
 */
export const mysqlValues: ValueTable = {
  integer: { expected: 42 },
  // BIGINT is a number while a double holds it, exact text beyond (supportBigNumbers).
  bigint: { expected: 7 },
  bigint_over_2_53: { expected: "9007199254740993" },
  count: { expected: 1 },
  // sum() of integers is a DECIMAL, which mysql2 returns as text.
  sum: { expected: "42" },
  decimal: { expected: "12345.6789" },
  double: { expected: 1.5 },
  // BOOLEAN is TINYINT(1).
  boolean: { expected: 1 },
  // The test server's default character set is latin1; the connection's is utf8mb4.
  text: { expected: "héllo ✓", column: "VARCHAR(200) CHARACTER SET utf8mb4" },
  // mysql2 reads DATE, DATETIME and TIMESTAMP as wall-clock time in the process's time zone.
  date: { expected: expectedDate("2024-01-02T00:00:00", "local") },
  timestamp: { expected: expectedDate("2024-01-02T03:04:05.678", "local"), column: "DATETIME(3)" },
  // TIMESTAMP is stored as an instant but sent as text in the session's time zone (SYSTEM here,
  // the zone the stored literal was read in), and mysql2 reads that text as local time.
  timestamptz: {
    expected: expectedDate("2024-01-02T03:04:05.678", "local"),
    column: "TIMESTAMP(3)",
    literal: "'2024-01-02 03:04:05.678'",
  },
  json: { expected: { a: [1, 2], b: null } },
  bytes: { expected: Buffer.from([1, 2, 255]) },
  null: { expected: null },
};
