/**
 * Statements that only read or write rows. Nothing else a statement can do reaches the connection's
 * state from one of these: SQLite triggers hold only DML, and the SQL function load_extension() is not
 * authorized in better-sqlite3. Everything else (PRAGMA, ATTACH, CREATE TEMP ..., BEGIN, a syntax this
 * list does not know) may leave state behind, and the connection is cleaned before it is reused.
 */
const DML = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "VALUES"]);

/**
 * True unless the statement's first keyword, after whitespace and comments, is a DML keyword. One
 * prepared statement is exactly one statement (better-sqlite3 refuses more), so its first keyword
 * decides what it is. Runs once per SQL text per connection (the statement cache keeps the answer).
 *
 * @example
 * mayChangeSession("/* x *\/ PRAGMA foreign_keys = OFF") // true
 * mayChangeSession("SELECT * FROM users")               // false
 */
export function mayChangeSession(sql: string): boolean {
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c <= 32) {
      i++;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf("\n", i + 2);
      i = end === -1 ? n : end + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      // SQLite block comments do not nest; an unterminated one runs to the end of the text.
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else {
      break;
    }
  }
  let j = i;
  while (j < n && isLetter(sql.charCodeAt(j))) j++;
  return !DML.has(sql.slice(i, j).toUpperCase());
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
