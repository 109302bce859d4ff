import { ParameterError } from "@sqlscope/core";
import { describe, expect, it } from "vitest";
import { interpolate, splitStatements } from "../src/sql-text.ts";

const escape = (value: unknown) => (typeof value === "string" ? `'${value.replace(/'/g, "''")}'` : String(value));

describe("interpolate", () => {
  it("replaces only the ? outside literals, identifiers and comments", () => {
    expect(interpolate("SELECT '?' AS a, `b?` , ? AS c -- ?\n/* ? */ , \"?\"", [7], escape)).toBe(
      "SELECT '?' AS a, `b?` , 7 AS c -- ?\n/* ? */ , \"?\"",
    );
  });

  it("knows backslash escapes and doubled quotes inside strings", () => {
    expect(interpolate("SELECT 'it\\'s ?', 'a''?', ?", ["x"], escape)).toBe("SELECT 'it\\'s ?', 'a''?', 'x'");
  });

  it("sends plain objects as JSON and leaves other values to mysql2", () => {
    expect(interpolate("SELECT ?, ?", [{ a: 1 }, 2], escape)).toBe(`SELECT '{"a":1}', 2`);
  });

  it("refuses a count mismatch instead of shifting values", () => {
    expect(() => interpolate("SELECT ?, '?'", [1, 2], escape)).toThrow(ParameterError);
  });
});

describe("splitStatements", () => {
  it("splits at semicolons that end statements only", () => {
    const script = `
      CREATE TABLE t (a TEXT); -- first; still a comment
      # a hash comment; too
      INSERT INTO t VALUES (';'), ('it\\'s;'), ("x;y");
      /* block; comment */ INSERT INTO \`we;ird\` VALUES (1)
    `;
    expect(splitStatements(script)).toEqual([
      "CREATE TABLE t (a TEXT)",
      `-- first; still a comment\n      # a hash comment; too\n      INSERT INTO t VALUES (';'), ('it\\'s;'), ("x;y")`,
      "/* block; comment */ INSERT INTO `we;ird` VALUES (1)",
    ]);
  });

  it("drops empty and comment-only pieces", () => {
    expect(splitStatements(";; -- nothing\n ; /* nada */")).toEqual([]);
  });
});
