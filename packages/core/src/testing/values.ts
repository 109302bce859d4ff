import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Row } from "../driver.ts";
import type { ConformanceContext } from "./context.ts";
import { inScope } from "./helpers.ts";
import {
  isExpectedDate,
  STORED_BYTES,
  toDate,
  VALUE_COLUMNS,
  VALUE_TYPES,
  type ValueTable,
  type ValueType,
} from "./value-cases.ts";

// Not UTC, and not a whole hour off it: a driver that reads a wall-clock text as UTC where it should
// read it as local time (or the reverse) is caught, whatever zone the machine runs in.
const ZONE = "Asia/Kolkata";

/**
 * What each SQL type comes back as, through `select()`: one row of one table with a column per type,
 * plus `count(*)` and `sum()`, compared with the driver's own table of expected values.
 */
export function valueChecks(ctx: ConformanceContext, values: ValueTable): void {
  describe("values: what each SQL type comes back as", () => {
    const table = () => `${ctx.tables.prefix}_values`;
    const stored = Object.entries(VALUE_COLUMNS) as [
      Exclude<ValueType, "count" | "sum">,
      (typeof VALUE_COLUMNS)["integer"],
    ][];
    let row: Row = {};
    let zoneBefore: string | undefined;

    beforeAll(async () => {
      zoneBefore = process.env.TZ;
      process.env.TZ = ZONE;
      const columns = stored.map(([type, d]) => `v_${type} ${values[type].column ?? d.column}`).join(", ");
      const literals = stored.map(([type, d]) => values[type].literal ?? d.literal).join(", ");
      row = await inScope(ctx, "m", async (s) => {
        await s.execute(`CREATE TABLE ${table()} (${columns})`);
        await s.execute(
          `INSERT INTO ${table()} (${stored.map(([type]) => `v_${type}`).join(", ")}) VALUES (${literals})`,
          [STORED_BYTES],
        );
        const read = await s.selectOne(`SELECT * FROM ${table()}`);
        const aggregates = await s.selectOne(`SELECT count(*) AS v_count, sum(v_integer) AS v_sum FROM ${table()}`);
        return { ...read, ...aggregates };
      });
    });

    afterAll(async () => {
      if (zoneBefore === undefined) delete process.env.TZ;
      else process.env.TZ = zoneBefore;
      await inScope(ctx, "m", (s) => s.execute(`DROP TABLE IF EXISTS ${table()}`));
    });

    for (const type of VALUE_TYPES) {
      it(`${type} comes back as the driver's table says`, () => {
        const expected = values[type].expected;
        const actual = row[`v_${type}`];
        if (isExpectedDate(expected)) {
          expect(actual, `${type}: a Date`).toBeInstanceOf(Date);
          expect(
            (actual as Date).toISOString(),
            `${type}: ${expected.text} read as ${expected.zone} time (TZ=${ZONE})`,
          ).toBe(toDate(expected).toISOString());
        } else {
          expect({ type: kindOf(actual), value: actual }).toStrictEqual({ type: kindOf(expected), value: expected });
        }
      });
    }
  });
}

// A readable kind in the failure message: "string" against "number" says more than 42 against "42".
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
