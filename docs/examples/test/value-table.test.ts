// drivers.md's "SQL type -> JS value" table is what the drivers' conformance suites check: each cell's
// first code span must be the value of that driver's test/values.ts (the `values` option of its
// runDriverConformance), and a Date cell must say whether it is read as local time or UTC.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VALUE_TYPES, type ExpectedDate, type ValueTable } from "@sqlscope/core/testing";
import { duckdbValues } from "../../../packages/duckdb/test/values.ts";
import { mysqlValues } from "../../../packages/mysql/test/values.ts";
import { postgresValues } from "../../../packages/postgres/test/values.ts";
import { sqliteValues } from "../../../packages/sqlite/test/values.ts";

const COLUMNS: readonly [string, ValueTable][] = [
  ["SQLite", sqliteValues],
  ["PostgreSQL", postgresValues],
  ["MySQL / MariaDB", mysqlValues],
  ["DuckDB", duckdbValues],
];

const MARKER = "<!-- values: checked by docs/examples/test/value-table.test.ts -->";

/** The rows of the first table after the marker, as cells. */
function tableAfterMarker(page: string): string[][] {
  const lines = page.split("\n");
  const start = lines.indexOf(MARKER);
  expect(start, `drivers.md has the line ${MARKER}`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("|")) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** How a cell writes a value: a JS literal, a string in single quotes, or the kind of object. */
function written(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  if (Buffer.isBuffer(value)) return "Buffer";
  if ((value as ExpectedDate).kind === "date") return "Date";
  return "object";
}

describe("drivers.md: the SQL type -> JS value table", () => {
  const [header, separator, ...body] = tableAfterMarker(
    readFileSync(new URL("../../drivers.md", import.meta.url), "utf8"),
  );

  it("has one column per driver and one row per checked SQL type, in the suite's order", () => {
    expect(header?.slice(1)).toEqual(COLUMNS.map(([name]) => name));
    expect(separator?.every((cell) => /^-+$/.test(cell))).toBe(true);
    expect(body.length).toBe(VALUE_TYPES.length);
  });

  VALUE_TYPES.forEach((type, row) => {
    it(`${type}: each driver's cell is what its conformance suite checks`, () => {
      const cells = body[row] ?? [];
      COLUMNS.forEach(([driver, values], column) => {
        const cell = cells[column + 1] ?? "";
        const expected = values[type].expected;
        expect(/`([^`]*)`/.exec(cell)?.[1], `${type} on ${driver}: "${cell}"`).toBe(written(expected));
        if (written(expected) === "Date") {
          const zone = (expected as ExpectedDate).zone === "utc" ? "UTC" : "local";
          expect(cell, `${type} on ${driver} is read as ${zone} time`).toContain(zone);
        }
      });
    });
  });
});
