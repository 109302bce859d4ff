import { ParameterError } from "@sqlscope/core";

/**
 * Walks SQL text and calls `onCode` for every character outside string literals, quoted identifiers
 * and comments (`onLiteral` when a literal or quoted identifier starts). Uses the same rules as the
 * core's placeholder parser (backslash escapes in '...' and "...", -- and /* *\/ comments), so the `?`
 * it finds are exactly the ones the core counted.
 */
function scan(sql: string, hashComments: boolean, onCode: (index: number) => void, onLiteral?: () => void): void {
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    if (c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */) {
      onLiteral?.();
      i = skipQuoted(sql, i, c, c !== 96);
    } else if ((c === 45 /* - */ && next === 45) || (hashComments && c === 35) /* # */) {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? n : end + 1;
    } else if (c === 47 /* / */ && next === 42 /* * */) {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else {
      onCode(i);
      i++;
    }
  }
}

function skipQuoted(sql: string, start: number, quote: number, backslash: boolean): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92 /* \ */) i += 2;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2; // a doubled quote stands for itself
    } else i++;
  }
  return n;
}

/**
 * Puts escaped values where the `?` placeholders are. mysql2's own formatting replaces every `?`,
 * including one inside a string literal ('?'), which would shift every later parameter.
 *
 * @example
 * interpolate("SELECT '?' AS a, ? AS b", ["x"], escape) // "SELECT '?' AS a, 'x' AS b"
 */
export function interpolate(sql: string, params: readonly unknown[], escape: (value: unknown) => string): string {
  const marks: number[] = [];
  scan(sql, false, (i) => {
    if (sql.charCodeAt(i) === 63 /* ? */) marks.push(i);
  });
  if (marks.length !== params.length) {
    throw new ParameterError(`The statement has ${marks.length} "?" placeholders but ${params.length} values were given: ${sql.slice(0, 120)}`);
  }
  let out = "";
  let last = 0;
  marks.forEach((at, k) => {
    out += sql.slice(last, at) + escapeValue(params[k], escape);
    last = at + 1;
  });
  return out + sql.slice(last);
}

function escapeValue(value: unknown, escape: (value: unknown) => string): string {
  if (typeof value === "object" && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    // A plain object becomes JSON (as pg does), not mysql2's "[object Object]".
    if (proto === Object.prototype || proto === null) return escape(JSON.stringify(value));
  }
  return escape(value);
}

/**
 * Splits a script at the semicolons that end statements (not those inside literals or comments) and
 * drops empty and comment-only pieces. DELIMITER is a client command and is not supported.
 *
 * @example
 * splitStatements("CREATE TABLE a (x INT); -- note\nINSERT INTO a VALUES (';');") // 2 statements
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  const flush = (end: number) => {
    if (hasCode) statements.push(script.slice(start, end).trim());
    start = end + 1;
    hasCode = false;
  };
  scan(
    script,
    true,
    (i) => {
      const c = script.charCodeAt(i);
      if (c === 59 /* ; */) flush(i);
      else if (c > 32) hasCode = true;
    },
    () => {
      hasCode = true;
    },
  );
  flush(script.length);
  return statements;
}
