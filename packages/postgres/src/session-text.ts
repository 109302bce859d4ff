import { forEachCode, TextCache, type LexRules } from "@sqlscope/core/driver";

// resetOnRelease "auto": whether a statement's text shows it may leave state in the server session
// beyond its transaction. Read with the core's lexer, so words in string literals, quoted identifiers
// and comments (nested, as PostgreSQL nests them) do not count; dollar-quoted bodies are read as code,
// which can only add resets, never hide one.

const RULES: LexRules = { mysql: false, backslashEscapes: false, nestedComments: true };

/**
 * First words of statements that change the session or may: SET (but not SET LOCAL, TRANSACTION or
 * CONSTRAINTS, which end with the transaction), RESET, DISCARD, LISTEN, UNLISTEN, PREPARE, EXECUTE,
 * DEALLOCATE, DECLARE (a cursor WITH HOLD), LOAD, and CALL and DO, whose bodies may do any of these.
 */
const SESSION_VERBS = new Set([
  "SET",
  "RESET",
  "DISCARD",
  "LISTEN",
  "UNLISTEN",
  "PREPARE",
  "EXECUTE",
  "DEALLOCATE",
  "DECLARE",
  "LOAD",
  "CALL",
  "DO",
]);
const TRANSACTION_SCOPED_SET = new Set(["LOCAL", "TRANSACTION", "CONSTRAINTS"]);
/** Words anywhere in code: set_config(), session advisory locks, TEMP objects, dblink connections. */
const SESSION_WORDS = new Set([
  "SET_CONFIG",
  "PG_ADVISORY_LOCK",
  "PG_ADVISORY_LOCK_SHARED",
  "PG_TRY_ADVISORY_LOCK",
  "PG_TRY_ADVISORY_LOCK_SHARED",
  "TEMP",
  "TEMPORARY",
  "DBLINK_CONNECT",
  "DBLINK_CONNECT_U",
]);

const verdicts = new TextCache<boolean>();

/**
 * True when the text may leave session state behind (see the word lists above). Cached per text:
 * the same statements run on every request.
 *
 * @example
 * mayChangeSession("SELECT * FROM users WHERE id = $1"); // false
 * mayChangeSession("/* tenant *\/ SET app.tenant = 'a'"); // true
 */
export function mayChangeSession(sql: string): boolean {
  return verdicts.get(sql) ?? verdicts.set(sql, read(sql));
}

function read(sql: string): boolean {
  let changes = false;
  let words = 0;
  let firstIsSet = false;
  let wordStart = -1;
  let last = -2;
  const endWord = () => {
    if (wordStart < 0) return;
    const word = sql.slice(wordStart, last + 1).toUpperCase();
    wordStart = -1;
    words++;
    if (words === 1) {
      if (word === "SET") firstIsSet = true;
      else if (SESSION_VERBS.has(word)) changes = true;
    } else if (words === 2 && firstIsSet && !TRANSACTION_SCOPED_SET.has(word)) {
      changes = true;
    }
    if (SESSION_WORDS.has(word)) changes = true;
  };
  forEachCode(
    sql,
    RULES,
    (i) => {
      const c = sql.charCodeAt(i);
      if (isWordChar(c)) {
        // A word goes on only over adjacent code: a comment or literal between two parts splits it.
        if (wordStart < 0 || last !== i - 1) {
          endWord();
          wordStart = i;
        }
        last = i;
      } else {
        endWord();
      }
    },
    (start, end) => {
      endWord();
      // A quoted identifier is a name too: "set_config"(...) calls the function (exact case only).
      if (sql.charCodeAt(start) !== 34) return;
      const name = sql.slice(start + 1, end - 1);
      if (name === name.toLowerCase() && SESSION_WORDS.has(name.toUpperCase())) changes = true;
    },
  );
  endWord();
  // "SET" alone is not a statement; treat it as one that would change something.
  return changes || (firstIsSet && words === 1);
}

function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c >= 128;
}
