import { ParameterError } from "@sqlscope/core";
import { describe, expect, it } from "vitest";
import { compileSql } from "@sqlscope/core/driver";
import { escapeFor } from "../src/escape.ts";
import { interpolate, mayChangeSession, splitStatements } from "../src/sql-text.ts";

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

describe("MySQL's comment rules, the same for placeholders, scripts and the reset", () => {
  const NBE = { backslashEscapes: false, ansiQuotes: false };

  it("# runs to the end of the line; -- is a comment only before a space or control character", () => {
    expect(interpolate("SELECT ? # is it ?\n, ?", [1, 2], escape)).toBe("SELECT 1 # is it ?\n, 2");
    expect(interpolate("SELECT 2--?", [1], escape)).toBe("SELECT 2--1"); // 2 - -? : the ? is code
    expect(interpolate("SELECT 2 -- ?\n, ?", [1], escape)).toBe("SELECT 2 -- ?\n, 1");
    expect(interpolate("SELECT ?--", [1], escape)).toBe("SELECT 1--");
    // The core translates :name with the same rules, so both agree on what is code.
    expect(compileSql("SELECT :a # :b\n, 2--:c", { style: "?", lexer: "mysql" }).names).toEqual(["a", "c"]);
  });

  it("a -- without a space cannot hide the start of a literal a value would then land in", () => {
    // MySQL reads 1 - -'...' here: the ? is inside a string literal, so nothing may be bound to it.
    expect(() => interpolate("SELECT 1--'\n, ?, '", ["' OR 1=1 -- "], escape)).toThrow(ParameterError);
    expect(compileSql("SELECT 1--'\n, ?, '", { style: "?", lexer: "mysql" }).positional).toBe(0);
  });

  it("/*! and /*M! bodies are code: the server runs them", () => {
    expect(interpolate("SELECT /*!50000 ? , */ ?", [1, 2], escape)).toBe("SELECT /*!50000 1 , */ 2");
    expect(interpolate("SELECT /*M!100500 ? */ 1 /* ? */", [1], escape)).toBe("SELECT /*M!100500 1 */ 1 /* ? */");
  });

  it("reads literals as the server's sql_mode does", () => {
    // NO_BACKSLASH_ESCAPES: 'a\' is a whole literal, so the ? after it is code.
    expect(interpolate("SELECT 'a\\', ?", [1], escape, NBE)).toBe("SELECT 'a\\', 1");
    expect(() => interpolate("SELECT 'a\\', ?", [1], escape)).toThrow(ParameterError);
    // ANSI_QUOTES: "a\" is an identifier, where a backslash is an ordinary character.
    expect(interpolate('SELECT 1 AS "a\\", ?', [1], escape, { backslashEscapes: true, ansiQuotes: true })).toBe(
      'SELECT 1 AS "a\\", 1',
    );
  });

  it("sees statements that change the session behind any comment", () => {
    for (const sql of [
      "/* app */ SET SESSION sql_mode = ''",
      "-- x\nSET sql_mode = 'ANSI_QUOTES'",
      "# x\nSET @a = 1",
      "SELECT GET_LOCK/**/('a', 0)",
      "/*!40101 SET @old = @@sql_mode */",
      "DO @y := 3",
      "SELECT 1 INTO @x",
      "CREATE TEMPORARY TABLE t (x INT)",
      "  use other_db",
      "LOCK TABLES t WRITE",
      "PREPARE s FROM 'SELECT 1'",
      "CALL proc()",
    ]) {
      expect(mayChangeSession(sql), sql).toBe(true);
    }
    for (const sql of [
      "SELECT ? AS email",
      "SELECT 'a@b', `x@y` -- @z\n",
      "UPDATE t SET v = 1 /* SET @x */",
      "INSERT INTO settings VALUES ('SET')",
    ]) {
      expect(mayChangeSession(sql), sql).toBe(false);
    }
  });
});

describe("escaping under NO_BACKSLASH_ESCAPES", () => {
  const backslash = (value: unknown) =>
    typeof value === "string" ? `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'` : String(value);
  const doubling = escapeFor(backslash, true);

  it("doubles quotes and leaves backslashes alone, in lists too", () => {
    expect(doubling("x' OR 1=1 -- ")).toBe("'x'' OR 1=1 -- '");
    expect(doubling("a\\b")).toBe("'a\\b'");
    expect(doubling(["a'", ["b", 2]])).toBe("'a''', ('b', 2)");
    expect(doubling(7)).toBe("7");
    expect(escapeFor(backslash, false)).toBe(backslash);
  });

  it("refuses an object mysql2 would write as key = 'value' pairs", () => {
    expect(() =>
      doubling(
        new (class Point {
          x = "1";
        })(),
      ),
    ).toThrow(ParameterError);
  });
});
