import { forEachCode, MYSQL_RULES, ParameterError, TextCache, type LexRules } from "@sqlscope/core/driver";

// One reader of MySQL text for everything here: the core's own (forEachCode), which also translated
// :name placeholders, so the `?` found here are the ones the core counted when the server runs with
// its default sql_mode. The connection passes the rules of the server's actual sql_mode.

/** How the server reads text: backslash escapes unless NO_BACKSLASH_ESCAPES, "..." an identifier under ANSI_QUOTES. */
export interface SqlMode {
  readonly backslashEscapes: boolean;
  readonly ansiQuotes: boolean;
}

/** MySQL's and MariaDB's default. */
export const DEFAULT_MODE: SqlMode = { backslashEscapes: true, ansiQuotes: false };

/** What one SQL text holds, read once per text and mode (cached). */
export interface TextFacts {
  /** Offsets of the `?` placeholders in code. */
  readonly marks: readonly number[];
  /** The statement may leave state in the session: see mayChangeSession. */
  readonly changesSession: boolean;
}

/**
 * First keywords of statements that can leave state beyond their transaction: SET (variables, names,
 * roles, sql_mode, the next transaction's isolation), USE, table locks, SQL-level prepared statements,
 * procedures (which may do any of these), HANDLER, XA.
 */
const SESSION_VERBS = new Set(["SET", "USE", "LOCK", "PREPARE", "EXECUTE", "DEALLOCATE", "CALL", "HANDLER", "XA"]);
/** Words anywhere in code that do: temporary tables and named locks. */
const SESSION_WORDS = new Set(["TEMPORARY", "GET_LOCK"]);

const caches = new Map<string, TextCache<TextFacts>>();

function rulesOf(mode: SqlMode): LexRules {
  if (mode.backslashEscapes && !mode.ansiQuotes) return MYSQL_RULES;
  return { mysql: true, backslashEscapes: mode.backslashEscapes, ansiQuotes: mode.ansiQuotes };
}

/** The placeholders and session-state verdict of a text, read as a server in `mode` reads it. */
export function factsOf(sql: string, mode: SqlMode = DEFAULT_MODE): TextFacts {
  const key = `${mode.backslashEscapes ? "b" : "n"}${mode.ansiQuotes ? "a" : "q"}`;
  let cache = caches.get(key);
  if (cache === undefined) {
    cache = new TextCache();
    caches.set(key, cache);
  }
  return cache.get(sql) ?? cache.set(sql, read(sql, rulesOf(mode)));
}

function read(sql: string, rules: LexRules): TextFacts {
  const marks: number[] = [];
  let changesSession = false;
  let first: string | undefined;
  let wordStart = -1;
  let last = -2;
  const endWord = () => {
    if (wordStart < 0) return;
    const word = sql.slice(wordStart, last + 1).toUpperCase();
    wordStart = -1;
    if (first === undefined) {
      first = word;
      if (SESSION_VERBS.has(word)) changesSession = true;
    }
    if (SESSION_WORDS.has(word)) changesSession = true;
  };
  forEachCode(
    sql,
    rules,
    (i) => {
      const c = sql.charCodeAt(i);
      // A word ends at anything but a word character, and at a gap (a comment or literal in between).
      if (wordStart >= 0 && (i !== last + 1 || !isWordChar(c))) endWord();
      if (isWordChar(c)) {
        if (wordStart < 0) wordStart = i;
      } else if (c === 63 /* ? */) {
        marks.push(i);
      } else if (c === 64 /* @ */) {
        changesSession = true; // user variables (@x := 1, SELECT ... INTO @x), and @@ system variables
      } else if (first === undefined && c > 32) {
        first = ""; // the statement starts with a symbol, not a keyword
      }
      last = i;
    },
    () => {
      endWord();
      if (first === undefined) first = "";
    },
  );
  endWord();
  return { marks, changesSession };
}

function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/**
 * Whether a statement can leave state in the session (so the connection is reset before reuse):
 * SET, USE, LOCK, PREPARE, CALL, ... as its first keyword (after any comment), or TEMPORARY,
 * GET_LOCK or an @ variable anywhere in its code. The server's own session-state flag covers what
 * the text cannot show (a stored function run by an INSERT); see docs/security.md for the rest.
 *
 * @example
 * mayChangeSession("/* app *\/ SET SESSION sql_mode = ''") // true
 */
export function mayChangeSession(sql: string, mode: SqlMode = DEFAULT_MODE): boolean {
  return factsOf(sql, mode).changesSession;
}

/**
 * Puts escaped values where the `?` placeholders are. mysql2's own formatting replaces every `?`,
 * including one inside a string literal ('?'), which would shift every later parameter.
 *
 * @example
 * interpolate("SELECT '?' AS a, ? AS b", ["x"], escape) // "SELECT '?' AS a, 'x' AS b"
 */
export function interpolate(
  sql: string,
  params: readonly unknown[],
  escape: (value: unknown) => string,
  mode: SqlMode = DEFAULT_MODE,
): string {
  const { marks } = factsOf(sql, mode);
  if (marks.length !== params.length) {
    throw new ParameterError(
      `The statement has ${marks.length} "?" placeholders but ${params.length} values were given: ${sql.slice(0, 120)}`,
    );
  }
  let out = "";
  let last = 0;
  for (let k = 0; k < marks.length; k++) {
    const at = marks[k] as number;
    out += sql.slice(last, at) + escapeValue(params[k], escape);
    last = at + 1;
  }
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
export function splitStatements(script: string, mode: SqlMode = DEFAULT_MODE): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  const flush = (end: number) => {
    if (hasCode) statements.push(script.slice(start, end).trim());
    start = end + 1;
    hasCode = false;
  };
  forEachCode(
    script,
    rulesOf(mode),
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
