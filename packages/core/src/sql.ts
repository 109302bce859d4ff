import { ParameterError } from "./errors.ts";
import { nativeValues } from "./native.ts";
import { rejectUnbindable, type PlaceholderStyle } from "./placeholders.ts";
import { fragment, isSql, type Sql } from "./sql-fragment.ts";

export { isSql, type Sql };

const IDENTIFIER = Symbol.for("sqlscope.identifier");

/** A table or column name, quoted by the driver's rules. Built with `sql.id("name")`. */
export interface SqlIdentifier {
  readonly [IDENTIFIER]: true;
  readonly parts: readonly string[];
}

export interface SqlTag {
  (strings: TemplateStringsArray, ...values: unknown[]): Sql;
  /** A quoted identifier; dotted input (`"public.users"`) or several parts quote each part. */
  id(...parts: string[]): SqlIdentifier;
  /** Fragments (or values) joined with a separator: `sql.join(ids, sql`, `)`. */
  join(items: readonly unknown[], separator?: Sql): Sql;
  /** Trusted SQL text pasted as is. Never pass user input. */
  raw(text: string): Sql;
  /** An empty fragment, handy for optional clauses. */
  readonly empty: Sql;
}

/** What sql.join([]) returns: nothing, but compileFragment refuses it between `IN (` and `)`. */
const EMPTY_LIST: Sql = fragment([""], []);

/**
 * Tagged template for injection-safe SQL: every `${value}` becomes a bind parameter; nested `sql`
 * fragments are spliced in; `sql.id()` quotes identifiers.
 *
 * @example
 * const where = org ? sql`WHERE org = ${org}` : sql.empty;
 * await getSession().select(sql`SELECT * FROM ${sql.id("users")} ${where} LIMIT ${10}`);
 */
export const sql: SqlTag = Object.assign(
  (strings: TemplateStringsArray, ...values: unknown[]): Sql => fragment(strings, values),
  {
    id: (...parts: string[]): SqlIdentifier => {
      const split = parts.flatMap((p) => p.split("."));
      if (split.length === 0 || split.some((p) => p.length === 0)) {
        throw new ParameterError(`sql.id() needs a non-empty identifier, got ${JSON.stringify(parts)}.`);
      }
      return { [IDENTIFIER]: true, parts: split };
    },
    join: (items: readonly unknown[], separator: Sql = fragment([", "], [])): Sql => {
      if (items.length === 0) return EMPTY_LIST;
      const strings: string[] = [""];
      const values: unknown[] = [];
      items.forEach((item, index) => {
        if (index > 0) {
          values.push(separator);
          strings.push("");
        }
        values.push(item);
        strings.push("");
      });
      return fragment(strings, values);
    },
    raw: (text: string): Sql => fragment([text], []),
    empty: fragment([""], []),
  },
);

function isIdentifier(value: unknown): value is SqlIdentifier {
  return typeof value === "object" && value !== null && IDENTIFIER in value;
}

export interface SqlDialect {
  readonly placeholder: PlaceholderStyle;
  quoteIdentifier(name: string): string;
}

/** Flattens a fragment into native SQL text and its parameters for one driver. */
export function compileFragment(root: Sql, dialect: SqlDialect): { text: string; params: unknown[] } {
  const native = nativeValues(root);
  if (native !== undefined) return { text: root.strings[0] ?? "", params: native as unknown[] };
  const params: unknown[] = [];
  let text = "";
  const visit = (frag: Sql) => {
    const { strings, values } = frag;
    text += strings[0] ?? "";
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (isSql(value)) {
        if (nativeValues(value) !== undefined)
          throw new ParameterError("A nativeSql() statement cannot be nested in a sql`` fragment; run it on its own.");
        if (value === EMPTY_LIST && /\bIN\s*\(\s*$/i.test(text) && /^\s*\)/.test(strings[i + 1] ?? ""))
          throw emptyInList();
        visit(value);
      } else if (isIdentifier(value)) text += value.parts.map((p) => dialect.quoteIdentifier(p)).join(".");
      else {
        if (value === undefined) {
          throw new ParameterError(
            `Value ${params.length + 1} of the sql\`\` template is undefined; pass null for SQL NULL.`,
          );
        }
        const type = typeof value;
        // The template text is joined only for the error: joined per value, sql.join of n values cost n^2.
        if (type === "function" || type === "symbol") {
          rejectUnbindable(value, `Value ${params.length + 1} of the sql\`\` template`, strings.join("?"));
        }
        params.push(value);
        text += dialect.placeholder === "$" ? `$${params.length}` : "?";
      }
      text += strings[i + 1] ?? "";
    }
  };
  visit(root);
  return { text, params };
}

// `IN ()` is a syntax error on PostgreSQL, MySQL and DuckDB and "false" on SQLite: one answer for all.
function emptyInList(): ParameterError {
  return new ParameterError(
    "sql.join() of an empty list inside IN (...) would send `IN ()`, which PostgreSQL, MySQL and DuckDB reject and SQLite reads " +
      "as false. Check the list first: an IN over no values matches no row (ids.length === 0 ? [] : await s.select(sql`... IN (${sql.join(ids)})`)), " +
      "and a NOT IN over none matches every row.",
  );
}

/** Double-quote style quoting (SQLite, PostgreSQL, DuckDB). */
export function quoteDouble(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Backtick quoting (MySQL, MariaDB). */
export function quoteBacktick(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}
