import { describe, expect, it } from "vitest";
import { ParameterError, sql } from "../src/index.ts";
import { bindParams, compileSql } from "../src/placeholders.ts";
import { compileFragment, quoteDouble, type SqlDialect } from "../src/sql.ts";

const pg: SqlDialect = { placeholder: "$", quoteIdentifier: quoteDouble };
const q: SqlDialect = { placeholder: "?", quoteIdentifier: quoteDouble };

// Generous bounds: the real figures are tens of milliseconds; a quadratic cost takes minutes here.
describe("no per-value work that grows with the square of the input", () => {
  it("sql.join of 100k values compiles well under a second", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i);
    const started = performance.now();
    const { text, params } = compileFragment(sql`SELECT * FROM t WHERE id IN (${sql.join(ids)})`, pg);
    const ms = performance.now() - started;
    expect(params).toHaveLength(100_000);
    expect(text.endsWith("$99999, $100000)")).toBe(true);
    expect(ms).toBeLessThan(1_000);
  });

  it("100k ? or :name placeholders translate and bind well under a second", () => {
    const values = Array.from({ length: 100_000 }, (_, i) => i);
    const positional = `SELECT * FROM t WHERE id IN (${values.map(() => "?").join(", ")})`;
    const namedText = `SELECT * FROM t WHERE id IN (${values.map((i) => `:v${i}`).join(", ")})`;
    const record = Object.fromEntries(values.map((i) => [`v${i}`, i]));
    let started = performance.now();
    expect(bindParams(compileSql(positional, { style: "$" }), values, "")).toHaveLength(100_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    started = performance.now();
    expect(bindParams(compileSql(namedText, { style: "?" }), record, "")).toHaveLength(100_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("a bad value among 100k still fails fast, naming its position", () => {
    const ids: unknown[] = Array.from({ length: 100_000 }, (_, i) => i);
    ids[99_998] = () => 1;
    const started = performance.now();
    expect(() => compileFragment(sql`SELECT ${sql.join(ids)}`, q)).toThrow(/Value 99999 .* function/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("named parameters", () => {
  it("read own properties only, never the prototype chain", () => {
    const compiled = compileSql("SELECT :__proto__ AS a", { style: "?" });
    expect(() => bindParams(compiled, {}, "")).toThrow(ParameterError);
    expect(() => bindParams(compileSql("SELECT :toString AS a", { style: "?" }), {}, "")).toThrow(
      /Missing value for :toString/,
    );
    // An own "__proto__" key (JSON.parse makes one) is a value like any other.
    expect(bindParams(compiled, JSON.parse('{"__proto__": "x"}') as object, "")).toEqual(["x"]);
  });

  it("ignore a polluted Object.prototype", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.role = "admin";
    try {
      expect(() => bindParams(compileSql("SELECT * FROM users WHERE role = :role", { style: "?" }), {}, "")).toThrow(
        /Missing value for :role/,
      );
    } finally {
      delete proto.role;
    }
  });
});

describe("the SQL-text cache", () => {
  it("is bounded in size, not only in count: 2,500 texts of 50 KB keep a few MB at most", async () => {
    const { compiledCacheSize } = await import("../src/placeholders.ts");
    const filler = "x".repeat(50_000);
    for (let i = 0; i < 2_500; i++) compileSql(`SELECT '${filler}' AS a, ? AS n -- ${i}`, { style: "$" });
    const { entries, chars } = compiledCacheSize();
    expect(entries).toBeLessThanOrEqual(2_000 * 2);
    // On main this held every one of them: ~250 million characters.
    expect(chars).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it("does not keep a single huge text at all, and still translates it", async () => {
    const { compiledCacheSize } = await import("../src/placeholders.ts");
    const before = compiledCacheSize().chars;
    const huge = `SELECT ${Array.from({ length: 50_000 }, () => "?").join(", ")}`;
    expect(compileSql(huge, { style: "$" }).positional).toBe(50_000);
    expect(compiledCacheSize().chars).toBeLessThanOrEqual(before);
  });
});
