import { ParameterError } from "@sqlscope/core";

/**
 * Escapes a value for the server's current sql_mode. With backslash escapes (MySQL's default) mysql2's
 * own escaping is right. Under NO_BACKSLASH_ESCAPES a backslash is an ordinary character, so mysql2's
 * "\'" would end the literal and let the rest of the value run as SQL: strings are quoted by doubling
 * their quotes instead, the one escape both modes share.
 *
 * @example
 * escapeFor(mysqlEscape, true)("x' OR 1=1 -- ") // "'x'' OR 1=1 -- '"
 */
export function escapeFor(escape: (value: unknown) => string, noBackslashEscapes: boolean): (value: unknown) => string {
  if (!noBackslashEscapes) return escape;
  const literal = (value: unknown): string => {
    if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
    // mysql2 writes a list for an array (IN (?)), nested arrays as groups ((1, 2), (3, 4)).
    if (Array.isArray(value))
      return value
        .map((item) => (Array.isArray(item) ? `(${item.map(literal).join(", ")})` : literal(item)))
        .join(", ");
    if (
      typeof value === "object" &&
      value !== null &&
      !(value instanceof Date) &&
      !Buffer.isBuffer(value) &&
      !ArrayBuffer.isView(value)
    ) {
      if (typeof (value as { toSqlString?: unknown }).toSqlString === "function") return escape(value);
      // mysql2 would write `key = 'value'` pairs with backslash escapes in them.
      throw new ParameterError(
        "An object parameter cannot be written safely while the server runs with NO_BACKSLASH_ESCAPES; pass its fields as separate parameters.",
      );
    }
    // Numbers, booleans, null, dates and bytes: mysql2 writes them without backslashes in either mode.
    return escape(value);
  };
  return literal;
}
