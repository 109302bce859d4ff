// The placeholder scanner against each database's own parser: random SELECTs built from `?` markers,
// string literals, quoted aliases and comments that hide `?`, `:x`, quotes and comment openers. The
// server's answer is the oracle: each marker column must come back as the value bound to it and each
// literal as its text. A marker the scanner missed, or a `?` it took from inside a literal or comment,
// shifts the values or breaks the statement.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SQLScope } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { duckdb } from "@sqlscope/duckdb";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { afterAll, describe, expect, it } from "vitest";

type Flavor = "sqlite" | "postgres" | "mysql" | "duckdb";

interface Piece {
  /** SQL for one select-list column, or "" for a comment between columns. */
  readonly sql: string;
  /** What the column holds: the marker's value (filled in when bound) or the literal's text. */
  readonly expect: { marker: true } | { text: string } | undefined;
}

const tricky = fc.constantFrom("a", "?", ":x", "'", "-", "/", "*", "#", "$", " ", "b", '"');
const text = fc.array(tricky, { maxLength: 8 }).map((cs) => cs.join(""));
// Comment bodies: no terminator of their own kind (a line comment has no newline, a block comment no */).
const commentBody = text.map((t) => t.replace(/\*\//g, "* /").replace(/\/\*/g, "/ *").replace(/\n/g, " "));

function pieces(flavor: Flavor): fc.Arbitrary<Piece> {
  const marker = fc.constant<Piece>({ sql: "(? + 0)", expect: { marker: true } });
  const literal = text.map<Piece>((t) => {
    // MySQL's backslash escapes stay out of the alphabet, so doubling a quote is all any dialect needs.
    return { sql: `'${t.replace(/'/g, "''")}'`, expect: { text: t } };
  });
  const line = commentBody.map<Piece>((b) => ({ sql: `-- ${b}\n`, expect: undefined }));
  const block = commentBody.map<Piece>((b) => ({ sql: `/* ${b} */`, expect: undefined }));
  const options: fc.Arbitrary<Piece>[] = [marker, marker, literal, line, block];
  if (flavor === "mysql") options.push(commentBody.map((b) => ({ sql: `# ${b}\n`, expect: undefined })));
  if (flavor === "postgres" || flavor === "duckdb") {
    options.push(
      fc.tuple(commentBody, commentBody).map(([a, b]) => ({ sql: `/* ${a} /* ${b} */ ? */`, expect: undefined })),
    );
    options.push(fc.constant<Piece>({ sql: "(?::integer)", expect: { marker: true } }));
  }
  if (flavor === "postgres") {
    options.push(
      text.map((t) => ({ sql: `$q$${t.replace(/\$q\$/g, "")}$q$`, expect: { text: t.replace(/\$q\$/g, "") } })),
    );
  }
  return fc.oneof(...options);
}

/** The statement, and the row the server must answer with for markers bound to 1, 2, 3, ... */
function build(
  list: readonly Piece[],
  flavor: Flavor,
): { sql: string; params: number[]; row: Record<string, unknown> } {
  const columns: string[] = [];
  const row: Record<string, unknown> = {};
  const params: number[] = [];
  let pending = "";
  for (const piece of list) {
    if (piece.expect === undefined) {
      pending += piece.sql;
      continue;
    }
    const alias = `c${columns.length}?`;
    const quoted = flavor === "mysql" ? `\`${alias}\`` : `"${alias}"`;
    columns.push(`${pending}${piece.sql} AS ${quoted}`);
    pending = "";
    if ("marker" in piece.expect) {
      params.push(params.length + 1);
      row[alias] = params.length;
    } else row[alias] = piece.expect.text;
  }
  if (columns.length === 0) (columns.push(`1 AS ${flavor === "mysql" ? "`c0?`" : '"c0?"'}`), (row["c0?"] = 1));
  return { sql: `SELECT ${columns.join(", ")} ${pending}`, params, row };
}

const pgUrl = postgresTestUrl();
const myUrl = mysqlTestUrl();
const dir = mkdtempSync(join(tmpdir(), "sqlscope-fuzz-"));
const registries: SQLScope[] = [];
afterAll(async () => {
  for (const db of registries) await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const flavors: { flavor: Flavor; driver: () => Driver; when: boolean }[] = [
  { flavor: "sqlite", driver: () => sqlite({ filename: join(dir, "fuzz.db") }), when: true },
  { flavor: "duckdb", driver: () => duckdb({ path: join(dir, "fuzz.duckdb") }), when: true },
  { flavor: "postgres", driver: () => postgres({ connectionString: pgUrl as string }), when: pgUrl !== undefined },
  { flavor: "mysql", driver: () => mysql({ uri: myUrl as string }), when: myUrl !== undefined },
];

describe("placeholders against each database's own parser (property test)", () => {
  for (const { flavor, driver, when } of flavors) {
    it.runIf(when)(
      `${flavor}: every marker binds where the server reads code, literals and comments stay as written`,
      async () => {
        const db = new SQLScope({ onWarning: () => undefined }).add(driver(), { commit: "manual", pool: { max: 1 } });
        registries.push(db);
        await fc.assert(
          fc.asyncProperty(fc.array(pieces(flavor), { minLength: 1, maxLength: 8 }), async (list) => {
            const { sql, params, row } = build(list, flavor);
            const got = await db.runInScope(() => getSession().selectOne<Record<string, unknown>>(sql, params));
            const normalized = Object.fromEntries(
              Object.entries(got).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
            );
            expect(normalized, sql).toEqual(row);
          }),
          { numRuns: 60 },
        );
      },
    );
  }
});
