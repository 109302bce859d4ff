import { describe, expect, it } from "vitest";
import { ParameterError, sql } from "../src/index.ts";
import { compileFragment, isSql, quoteBacktick, quoteDouble, type SqlDialect } from "../src/sql.ts";

const pg: SqlDialect = { placeholder: "$", quoteIdentifier: quoteDouble };
const my: SqlDialect = { placeholder: "?", quoteIdentifier: quoteBacktick };

describe("sql tag", () => {
  it("turns every value into a parameter", () => {
    const evil = "x'; DROP TABLE users; --";
    expect(compileFragment(sql`SELECT * FROM users WHERE name = ${evil} AND age > ${30}`, pg)).toEqual({
      text: "SELECT * FROM users WHERE name = $1 AND age > $2",
      params: [evil, 30],
    });
    expect(compileFragment(sql`SELECT ${1}, ${2}`, my).text).toBe("SELECT ?, ?");
  });

  it("splices nested fragments and numbers parameters across them", () => {
    const inner = sql`org = ${"acme"} AND ${sql`deep = ${true}`}`;
    const where = sql`WHERE ${inner} AND id > ${5}`;
    expect(compileFragment(sql`SELECT * FROM t ${where} LIMIT ${10}`, pg)).toEqual({
      text: "SELECT * FROM t WHERE org = $1 AND deep = $2 AND id > $3 LIMIT $4",
      params: ["acme", true, 5, 10],
    });
  });

  it("quotes identifiers by the dialect, escaping the quote character", () => {
    expect(compileFragment(sql`SELECT ${sql.id("public.users")}.${sql.id('we"ird')}`, pg).text).toBe(
      'SELECT "public"."users"."we""ird"',
    );
    expect(compileFragment(sql`SELECT * FROM ${sql.id("db", "t`x")}`, my).text).toBe("SELECT * FROM `db`.`t``x`");
    expect(() => sql.id("")).toThrow(ParameterError);
    expect(() => sql.id("a..b")).toThrow(ParameterError);
    expect(() => sql.id()).toThrow(ParameterError);
  });

  it("joins values and fragments with a separator", () => {
    expect(compileFragment(sql`IN (${sql.join([1, 2, 3])})`, pg)).toEqual({
      text: "IN ($1, $2, $3)",
      params: [1, 2, 3],
    });
    const cols = sql.join([sql.id("a"), sql.id("b")], sql` | `);
    expect(compileFragment(sql`SELECT ${cols}`, pg).text).toBe('SELECT "a" | "b"');
    expect(compileFragment(sql`x${sql.join([])}y`, pg)).toEqual({ text: "xy", params: [] });
  });

  it("pastes raw text as is and empty as nothing", () => {
    expect(compileFragment(sql`SELECT ${sql.raw("now()")}, ${1} ${sql.empty}`, pg)).toEqual({
      text: "SELECT now(), $1 ",
      params: [1],
    });
    expect(isSql(sql.empty) && isSql(sql.raw("x")) && isSql(sql`x`)).toBe(true);
    expect(isSql("SELECT 1")).toBe(false);
    expect(isSql(null)).toBe(false);
  });

  it("refuses undefined values", () => {
    expect(() => compileFragment(sql`SELECT ${1}, ${undefined}`, pg)).toThrow(/Value 2 .* undefined/);
  });

  it("can be compiled twice with the same result", () => {
    const f = sql`SELECT ${1}, ${sql`${2}`}`;
    expect(compileFragment(f, pg)).toEqual(compileFragment(f, pg));
  });
});
