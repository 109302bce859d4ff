/**
 * How SQL text is read to tell code from literals and comments. `standard` is SQLite, PostgreSQL and
 * DuckDB ('...' with E'...' backslash strings, "..." and `...` identifiers, -- and /* *\/ comments).
 * `mysql` follows MySQL and MariaDB: # comments, -- only before a space or control character,
 * /*! and /*M! bodies are code (the server runs them), and backslash escapes in '...' and "...".
 */
export interface LexRules {
  readonly mysql: boolean;
  /** MySQL only: a backslash escapes the next character in '...' and "..." (off under NO_BACKSLASH_ESCAPES). */
  readonly backslashEscapes: boolean;
  /** MySQL only: "..." quotes an identifier, where a backslash is an ordinary character (sql_mode ANSI_QUOTES). */
  readonly ansiQuotes?: boolean;
  /** PostgreSQL and DuckDB: block comments nest, so `/* a /* b *\/ ? *\/` is one comment (SQLite's end at the first `*\/`). */
  readonly nestedComments?: boolean;
}

export const STANDARD_RULES: LexRules = { mysql: false, backslashEscapes: false };
export const NESTED_COMMENT_RULES: LexRules = { mysql: false, backslashEscapes: false, nestedComments: true };
export const MYSQL_RULES: LexRules = { mysql: true, backslashEscapes: true };

/**
 * The index just past the string literal, quoted identifier or comment that starts at `i`, or -1
 * when `i` is code. PostgreSQL dollar quoting is left to the caller ($ also starts $1 parameters).
 */
export function skipNonCode(sql: string, i: number, rules: LexRules): number {
  const c = sql.charCodeAt(i);
  if (c === 39 /* ' */ || c === 34 /* " */) {
    const backslash = rules.mysql
      ? rules.backslashEscapes && !(c === 34 && rules.ansiQuotes === true)
      : c === 39 && isEscapeString(sql, i);
    return skipQuoted(sql, i, c, backslash);
  }
  if (c === 96 /* ` */) return skipQuoted(sql, i, c, false);
  const next = sql.charCodeAt(i + 1);
  if (c === 45 /* - */ && next === 45) {
    // MySQL reads "--" as a comment only before whitespace, a control character or the end: 1--1 is 1 - -1.
    if (
      rules.mysql &&
      !(Number.isNaN(sql.charCodeAt(i + 2)) || sql.charCodeAt(i + 2) <= 32 || sql.charCodeAt(i + 2) === 127)
    )
      return -1;
    return lineEnd(sql, i + 2);
  }
  if (c === 35 /* # */ && rules.mysql) return lineEnd(sql, i + 1);
  if (c === 47 /* / */ && next === 42 /* * */) {
    if (rules.mysql) {
      const opener = executableOpener(sql, i);
      // The server runs what is inside /*! ... */: the opener is skipped and the body read as code.
      if (opener > 0) return opener;
    }
    if (rules.nestedComments === true) return nestedCommentEnd(sql, i);
    const end = sql.indexOf("*/", i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  // The end of an executable comment: the body before it was code.
  if (rules.mysql && c === 42 /* * */ && next === 47 /* / */) return i + 2;
  return -1;
}

/**
 * Calls `onCode(i)` for every index of code, and `onLiteral(start, end)` for every string literal or
 * quoted identifier, in order. Comments call neither.
 *
 * @example
 * forEachCode("SELECT '?', ? # ?", MYSQL_RULES, (i) => marks.push(i)); // only the second ? is code
 */
export function forEachCode(
  sql: string,
  rules: LexRules,
  onCode: (i: number) => void,
  onLiteral?: (start: number, end: number) => void,
): void {
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const skipped = skipNonCode(sql, i, rules);
    if (skipped < 0) {
      onCode(i);
      i++;
      continue;
    }
    const c = sql.charCodeAt(i);
    if (onLiteral !== undefined && (c === 39 || c === 34 || c === 96)) onLiteral(i, skipped);
    i = skipped;
  }
}

/** Just past the block comment opened at `i`, counting the comments opened inside it. */
function nestedCommentEnd(sql: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length) {
    const c = sql.charCodeAt(j);
    const next = sql.charCodeAt(j + 1);
    if (c === 47 /* / */ && next === 42 /* * */) {
      depth++;
      j += 2;
    } else if (c === 42 /* * */ && next === 47 /* / */) {
      if (--depth === 0) return j + 2;
      j += 2;
    } else j++;
  }
  return sql.length;
}

/** After `/*!`, `/*!50700` or `/*M!100500`: the index where the code starts; 0 when `i` opens a plain comment. */
function executableOpener(sql: string, i: number): number {
  let j = i + 2;
  if (sql.charCodeAt(j) === 77 /* M */ && sql.charCodeAt(j + 1) === 33) j++;
  if (sql.charCodeAt(j) !== 33 /* ! */) return 0;
  j++;
  while (isDigit(sql.charCodeAt(j))) j++;
  return j;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf("\n", from);
  return end === -1 ? sql.length : end + 1;
}

// PostgreSQL E'...' strings take backslash escapes whatever the dialect says; `some'` is not one.
function isEscapeString(sql: string, quote: number): boolean {
  const e = sql.charCodeAt(quote - 1);
  return (e === 69 || e === 101) && !isIdentPart(sql.charCodeAt(quote - 2));
}

function skipQuoted(sql: string, start: number, quote: number, backslash: boolean): number {
  let i = start + 1;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92 /* \ */) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote)
        i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

export function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
