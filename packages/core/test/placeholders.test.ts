import { describe, expect, it } from "vitest";
import { ParameterError } from "../src/index.ts";
import { bindParams, compileSql } from "../src/placeholders.ts";

const q = { style: "?" as const };
const pg = { style: "$" as const };
const my = { style: "?" as const, backslashEscapes: true };

function text(sql: string, style: "?" | "$" = "$"): string {
  return compileSql(sql, { style }).text;
}

describe("compileSql: translation", () => {
  it("turns ? into $n for the $ style and leaves it for the ? style", () => {
    expect(text("SELECT * FROM t WHERE a = ? AND b = ?")).toBe("SELECT * FROM t WHERE a = $1 AND b = $2");
    expect(text("SELECT * FROM t WHERE a = ? AND b = ?", "?")).toBe("SELECT * FROM t WHERE a = ? AND b = ?");
    expect(compileSql("SELECT ?, ?", q).positional).toBe(2);
  });

  it("turns :name into ? (repeated per use) or $n (reused per name)", () => {
    const a = compileSql("UPDATE t SET x = :x WHERE id = :id OR parent = :id", q);
    expect(a.text).toBe("UPDATE t SET x = ? WHERE id = ? OR parent = ?");
    expect(a.names).toEqual(["x", "id", "id"]);
    const b = compileSql("UPDATE t SET x = :x WHERE id = :id OR parent = :id", pg);
    expect(b.text).toBe("UPDATE t SET x = $1 WHERE id = $2 OR parent = $2");
    expect(b.names).toEqual(["x", "id"]);
    expect(bindParams(b, { id: 7, x: "v", unused: 1 }, "")).toEqual(["v", 7]);
    expect(bindParams(a, { id: 7, x: "v" }, "")).toEqual(["v", 7, 7]);
  });

  it("nested block comments are one comment where the dialect nests them (PostgreSQL, DuckDB), not elsewhere", () => {
    const text = "SELECT /* a /* b */ ? */ ?";
    expect(compileSql(text, { style: "$", nestedComments: true })).toMatchObject({
      text: "SELECT /* a /* b */ ? */ $1",
      positional: 1,
    });
    expect(compileSql(text, { style: "?", nestedComments: true }).positional).toBe(1);
    // SQLite ends a comment at the first */, as does MySQL.
    expect(compileSql(text, q).positional).toBe(2);
    expect(compileSql("SELECT /* /* unclosed */ ?", { style: "$", nestedComments: true }).positional).toBe(0);
  });

  it("never touches string literals, quoted identifiers or backticks", () => {
    expect(text(`SELECT 'a:b ?', "quoted ?", \`tick :x ?\`, ? FROM t`)).toBe(
      `SELECT 'a:b ?', "quoted ?", \`tick :x ?\`, $1 FROM t`,
    );
    expect(text(`SELECT 'it''s ?', "a""b ?", ?`)).toBe(`SELECT 'it''s ?', "a""b ?", $1`);
    expect(compileSql(`SELECT 'a:b ?'`, pg).names).toBeNull();
  });

  it("honours backslash escapes only when the dialect has them", () => {
    expect(compileSql(`SELECT 'a\\' ?', ?`, my).positional).toBe(1);
    // MySQL # comments hide placeholders; elsewhere # is an operator (PostgreSQL) and is left alone.
    expect(compileSql("SELECT ? # is it :this?\nFROM t", my)).toMatchObject({ positional: 1, names: null });
    expect(compileSql("SELECT 1 # ?", q).positional).toBe(1);
    // Without backslash escapes, the string ends at \' and the next ' opens one that hides the last ?.
    expect(compileSql(`SELECT 'a\\' ?', ?`, q).positional).toBe(1);
    expect(compileSql(`SELECT 'a\\', ?`, q).positional).toBe(1);
  });

  it("reads PostgreSQL E'...' strings with backslash escapes", () => {
    expect(compileSql(`SELECT E'it\\'s :x ?', ?`, pg)).toMatchObject({
      text: `SELECT E'it\\'s :x ?', $1`,
      positional: 1,
      names: null,
    });
    expect(compileSql(`SELECT e'\\\\', ?`, pg).positional).toBe(1);
    // An identifier ending in E before a quote is not an E-string.
    expect(compileSql(`SELECT some'a\\', ?`, pg).positional).toBe(1);
  });

  it("skips -- and /* */ comments", () => {
    expect(text("SELECT ? -- what about :x and ?\n, ?")).toBe("SELECT $1 -- what about :x and ?\n, $2");
    expect(text("SELECT /* :x ? */ ? /* ? */")).toBe("SELECT /* :x ? */ $1 /* ? */");
    expect(text("SELECT ? -- trailing ?")).toBe("SELECT $1 -- trailing ?");
    expect(text("SELECT ? /* unterminated ?")).toBe("SELECT $1 /* unterminated ?");
  });

  it("leaves :: casts alone", () => {
    const c = compileSql("SELECT :v::int, created::date, x::text[] FROM t", pg);
    expect(c.text).toBe("SELECT $1::int, created::date, x::text[] FROM t");
    expect(c.names).toEqual(["v"]);
  });

  it("leaves $$ and $tag$ dollar-quoted bodies alone", () => {
    const body = "CREATE FUNCTION f() RETURNS int AS $$ SELECT :x, ? $$ LANGUAGE sql";
    expect(compileSql(body, pg)).toMatchObject({ text: body, names: null, positional: 0 });
    const tagged = "DO $body$ BEGIN PERFORM ':x ?'; END $body$; SELECT ?";
    expect(text(tagged)).toBe("DO $body$ BEGIN PERFORM ':x ?'; END $body$; SELECT $1");
    expect(text("SELECT $a$ contains $$ and ? $a$, ?")).toBe("SELECT $a$ contains $$ and ? $a$, $1");
  });

  it("passes native $1 parameters through", () => {
    const c = compileSql("SELECT * FROM t WHERE a = $1 AND b = $2", pg);
    expect(c).toMatchObject({
      text: "SELECT * FROM t WHERE a = $1 AND b = $2",
      native: true,
      names: null,
      positional: 0,
    });
    expect(bindParams(c, [1, 2], "")).toEqual([1, 2]);
  });

  it("rejects mixed styles", () => {
    expect(() => compileSql("SELECT ? WHERE a = :a", pg)).toThrow(ParameterError);
    expect(() => compileSql("SELECT $1 WHERE a = ?", pg)).toThrow(/native "\$1"/);
    expect(() => compileSql("SELECT $1 WHERE a = :a", q)).toThrow(ParameterError);
  });

  it("returns the same object for the same text and style (cached)", () => {
    const sqlText = `SELECT :cached_${Date.now()}`;
    const first = compileSql(sqlText, pg);
    expect(compileSql(sqlText, pg)).toBe(first);
    expect(compileSql(sqlText, q)).not.toBe(first);
    expect(compileSql(sqlText, my)).not.toBe(compileSql(sqlText, q));
  });

  it("keeps the same text object when there is nothing to translate", () => {
    const plain = "SELECT 1";
    expect(compileSql(plain, pg).text).toBe(plain);
  });
});

describe("bindParams", () => {
  it("checks the number of ? parameters", () => {
    const c = compileSql("SELECT ?, ?", q);
    expect(() => bindParams(c, [1], "SELECT ?, ?")).toThrow(/2 "\?" placeholder\(s\) but 1/);
    expect(() => bindParams(c, [1, 2, 3], "SELECT ?, ?")).toThrow(ParameterError);
    expect(() => bindParams(c, undefined, "SELECT ?, ?")).toThrow(/no parameters/);
    expect(() => bindParams(c, { a: 1 }, "SELECT ?, ?")).toThrow(/array/);
    expect(bindParams(c, [1, null], "")).toEqual([1, null]);
  });

  it("names a missing or undefined named value", () => {
    const c = compileSql("SELECT :a, :b", pg);
    expect(() => bindParams(c, { a: 1 }, "SELECT :a, :b")).toThrow(/Missing value for :b/);
    expect(() => bindParams(c, { a: 1, b: undefined }, "")).toThrow(/:b is undefined; pass null/);
    expect(() => bindParams(c, [1, 2], "")).toThrow(/needs an object/);
    expect(() => bindParams(c, undefined, "")).toThrow(/no parameters/);
  });

  it("rejects undefined positional values", () => {
    const c = compileSql("SELECT ?", q);
    expect(() => bindParams(c, [undefined], "SELECT ?")).toThrow(/Parameter 1 is undefined/);
  });

  it("accepts no parameters for SQL without placeholders and refuses an object", () => {
    const c = compileSql("SELECT 1", q);
    expect(bindParams(c, undefined, "SELECT 1")).toEqual([]);
    expect(bindParams(c, [], "SELECT 1")).toEqual([]);
    expect(() => bindParams(c, { a: 1 }, "SELECT 1")).toThrow(/no :name placeholders/);
  });
});

describe("Params typing", () => {
  it("accepts an interface-typed object for :name placeholders (no index signature needed)", () => {
    interface NewUser {
      email: string;
      name: string;
    }
    const user: NewUser = { email: "a@b.c", name: "A" };
    const compiled = compileSql("INSERT INTO users (email, name) VALUES (:email, :name)", { style: "?" });
    // This line is the test as much as the assertion: it must type-check (tsc runs over test files).
    expect(bindParams(compiled, user, "")).toEqual(["a@b.c", "A"]);
  });
});
