import { describe, expect, it } from "vitest";
import { nativeSql, ParameterError, sql } from "../src/index.ts";
import { compileFragment } from "../src/sql.ts";

const pg = { placeholder: "$" as const, quoteIdentifier: (n: string) => `"${n}"` };

describe("nativeSql()", () => {
  it("passes a builder's SQL and values to the driver untouched: no ? or :name translation", () => {
    const text = `SELECT data ? 'a' AS has, x[lo:hi] FROM t WHERE id = $1 AND note = ':name'`;
    expect(compileFragment(nativeSql(text, [7]), pg)).toEqual({ text, params: [7] });
  });

  it("refuses to be nested in a sql`` fragment, whose placeholders it would not follow", () => {
    expect(() => compileFragment(sql`SELECT * FROM (${nativeSql("SELECT $1", [1])}) s`, pg)).toThrow(ParameterError);
  });
});
