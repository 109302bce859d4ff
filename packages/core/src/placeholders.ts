import { ParameterError } from "./errors.ts";
import {
  isDigit,
  isIdentPart,
  isIdentStart,
  MYSQL_RULES,
  NESTED_COMMENT_RULES,
  skipNonCode,
  STANDARD_RULES,
  type LexRules,
} from "./sql-lexer.ts";

/** How a driver writes bind parameters natively: `?` (SQLite, MySQL, DuckDB) or `$1, $2` (PostgreSQL). */
export type PlaceholderStyle = "?" | "$";

export interface CompiledSql {
  /** The SQL text in the driver's native placeholder style. */
  readonly text: string;
  /** Names in bind order for `:name` SQL; null for `?` SQL or SQL without placeholders. */
  readonly names: readonly string[] | null;
  /** Number of `?` placeholders (0 for named SQL). */
  readonly positional: number;
  /** True when the text already used native `$1` parameters; they are passed through untouched. */
  readonly native: boolean;
}

/** Positional values for `?`, or an object (any object type, interfaces included) for `:name`. */
export type Params = readonly unknown[] | object;

export interface ParseOptions {
  style: PlaceholderStyle;
  /** MySQL's comment and string rules (see LexRules); implied by backslashEscapes. */
  lexer?: "standard" | "mysql";
  /** MySQL strings treat a backslash as an escape character. */
  backslashEscapes?: boolean;
  /** Block comments nest (PostgreSQL, DuckDB). */
  nestedComments?: boolean;
}

const CACHE_LIMIT = 2000;
/**
 * The cache is bounded by size too: 2,500 texts of 50 KB each kept 128 MB by count alone. Sizes are
 * counted in characters (text and translation); a text longer than MAX_CACHED_CHARS is translated on
 * every use instead (a generated IN list rarely repeats, and translating is linear).
 */
const CACHE_CHARS = 4 * 1024 * 1024;
const MAX_CACHED_CHARS = 64 * 1024;

interface Cache {
  readonly entries: Map<string, CompiledSql>;
  chars: number;
}
const caches = new Map<string, Cache>();

/**
 * Translates `?` and `:name` placeholders to the driver's style, once per SQL text (cached).
 * String literals, quoted identifiers, comments, `::` casts and dollar-quoted bodies are left alone.
 *
 * @example
 * compileSql("SELECT * FROM t WHERE a = :a AND b = :a", { style: "$" })
 * // { text: "SELECT * FROM t WHERE a = $1 AND b = $1", names: ["a"], ... }
 */
export function compileSql(sql: string, options: ParseOptions): CompiledSql {
  const rules = lexRules(options);
  const cacheKey = rules.mysql
    ? `${options.style}\\`
    : rules.nestedComments === true
      ? `${options.style}*`
      : options.style;
  let cache = caches.get(cacheKey);
  if (cache === undefined) {
    cache = { entries: new Map(), chars: 0 };
    caches.set(cacheKey, cache);
  }
  const hit = cache.entries.get(sql);
  if (hit !== undefined) return hit;
  const compiled = parse(sql, options);
  const size = sizeOf(sql, compiled);
  if (size > MAX_CACHED_CHARS) return compiled;
  // Map keeps insertion order: the first key is the oldest entry.
  while (cache.entries.size >= CACHE_LIMIT || cache.chars + size > CACHE_CHARS) {
    const oldest = cache.entries.keys().next();
    if (oldest.done === true) break;
    const evicted = cache.entries.get(oldest.value);
    cache.entries.delete(oldest.value);
    if (evicted !== undefined) cache.chars -= sizeOf(oldest.value, evicted);
  }
  cache.entries.set(sql, compiled);
  cache.chars += size;
  return compiled;
}

function sizeOf(sql: string, compiled: CompiledSql): number {
  return sql.length + (compiled.text === sql ? 0 : compiled.text.length);
}

/** @internal What the translation caches hold, for tests: entries and characters over every style. */
export function compiledCacheSize(): { entries: number; chars: number } {
  let entries = 0;
  let chars = 0;
  for (const cache of caches.values()) {
    entries += cache.entries.size;
    chars += cache.chars;
  }
  return { entries, chars };
}

function parse(sql: string, options: ParseOptions): CompiledSql {
  const { style } = options;
  const rules = lexRules(options);
  const out: string[] = [];
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  let positional = 0;
  let native = false;
  let last = 0;
  const n = sql.length;
  let i = 0;

  const emit = (from: number, to: number, replacement: string) => {
    out.push(sql.slice(last, from), replacement);
    last = to;
  };

  while (i < n) {
    const skipped = skipNonCode(sql, i, rules);
    if (skipped >= 0) {
      i = skipped;
      continue;
    }
    const c = sql.charCodeAt(i);
    if (c === 36 /* $ */ && !rules.mysql) {
      const next = sql.charCodeAt(i + 1);
      if (isDigit(next)) {
        native = true;
        i += 2;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      } else {
        // Dollar quoting: $$ ... $$ or $tag$ ... $tag$ (PostgreSQL).
        let j = i + 1;
        while (j < n && isIdentPart(sql.charCodeAt(j))) j++;
        if (sql.charCodeAt(j) === 36 && (j === i + 1 || isIdentStart(next))) {
          const tag = sql.slice(i, j + 1);
          const end = sql.indexOf(tag, j + 1);
          i = end === -1 ? n : end + tag.length;
        } else {
          i++;
        }
      }
    } else if (c === 58 /* : */) {
      const next = sql.charCodeAt(i + 1);
      if (next === 58) {
        i += 2; // :: cast
      } else if (isIdentStart(next) && sql.charCodeAt(i - 1) !== 58) {
        let j = i + 2;
        while (j < n && isIdentPart(sql.charCodeAt(j))) j++;
        const name = sql.slice(i + 1, j);
        let index = nameIndex.get(name);
        if (style === "$") {
          if (index === undefined) {
            names.push(name);
            index = names.length;
            nameIndex.set(name, index);
          }
          emit(i, j, `$${index}`);
        } else {
          names.push(name);
          emit(i, j, "?");
        }
        i = j;
      } else {
        i++;
      }
    } else if (c === 63 /* ? */) {
      positional++;
      if (style === "$") emit(i, i + 1, `$${positional}`);
      i++;
    } else {
      i++;
    }
  }

  if (positional > 0 && names.length > 0) {
    throw new ParameterError(
      `The SQL mixes "?" and ":name" placeholders; use one style per statement: ${sql.slice(0, 120)}`,
    );
  }
  if (native && (positional > 0 || names.length > 0)) {
    throw new ParameterError(
      `The SQL mixes native "$1" parameters with "?" or ":name" placeholders; use one style: ${sql.slice(0, 120)}`,
    );
  }
  out.push(sql.slice(last));
  return {
    text: last === 0 ? sql : out.join(""),
    names: names.length > 0 ? names : null,
    positional,
    native,
  };
}

/** The lexer rules of a dialect's parse options: MySQL's when it says so (or has backslash escapes, as only MySQL does). */
export function lexRules(options: ParseOptions): LexRules {
  if (options.lexer === "mysql" || options.backslashEscapes === true) return MYSQL_RULES;
  return options.nestedComments === true ? NESTED_COMMENT_RULES : STANDARD_RULES;
}

const EMPTY: readonly unknown[] = [];

/** A statement with more bind parameters than its driver can send (PostgreSQL: 65,535). */
export function tooManyParameters(driver: string, count: number, max: number): ParameterError {
  return new ParameterError(
    `The statement has ${count} parameters; ${driver} takes at most ${max} per statement, so nothing was sent. Pass a long ` +
      "list as one parameter (PostgreSQL: = ANY(?) with an array; SQLite: IN (SELECT value FROM json_each(?)) with JSON text; " +
      "DuckDB: a LIST), or split the work into batches.",
  );
}

/**
 * Orders the caller's parameters to match the compiled SQL, with an error that names what is wrong.
 */
export function bindParams(compiled: CompiledSql, params: Params | undefined, sql: string): readonly unknown[] {
  if (compiled.names !== null) {
    if (params === undefined || Array.isArray(params)) {
      throw new ParameterError(
        `The SQL uses named placeholders (:${compiled.names.join(", :")}) and needs an object of values, ` +
          `got ${params === undefined ? "no parameters" : "an array"}: ${sql.slice(0, 120)}`,
      );
    }
    const record = params as Readonly<Record<string, unknown>>;
    const names = compiled.names;
    const values = new Array<unknown>(names.length);
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      // Own properties only: `:__proto__` or a polluted Object.prototype must never supply a value.
      const value = Object.hasOwn(record, name) ? record[name] : undefined;
      if (value === undefined) {
        throw new ParameterError(
          Object.hasOwn(record, name)
            ? `The value of :${name} is undefined; pass null for SQL NULL.`
            : `Missing value for :${name}. Pass an object with a "${name}" property: ${sql.slice(0, 120)}`,
        );
      }
      rejectUnbindable(value, `:${name}`, sql);
      values[k] = value;
    }
    return values;
  }
  if (params === undefined) {
    if (compiled.positional > 0) {
      throw new ParameterError(
        `The SQL has ${compiled.positional} "?" placeholder(s) but no parameters were given: ${sql.slice(0, 120)}`,
      );
    }
    return EMPTY;
  }
  if (!Array.isArray(params)) {
    throw new ParameterError(
      compiled.positional > 0
        ? `The SQL uses "?" placeholders and needs an array of values, got an object. Use :name placeholders for objects.`
        : `Parameters were given as an object but the SQL has no :name placeholders: ${sql.slice(0, 120)}`,
    );
  }
  const list = params as readonly unknown[];
  if (compiled.native) {
    for (let k = 0; k < list.length; k++) rejectUnbindable(list[k], `Parameter ${k + 1}`, sql);
    return list;
  }
  if (list.length !== compiled.positional) {
    throw new ParameterError(
      `The SQL has ${compiled.positional} "?" placeholder(s) but ${list.length} parameter(s) were given: ${sql.slice(0, 120)}`,
    );
  }
  for (let k = 0; k < list.length; k++) {
    if (list[k] === undefined) {
      throw new ParameterError(`Parameter ${k + 1} is undefined; pass null for SQL NULL: ${sql.slice(0, 120)}`);
    }
    rejectUnbindable(list[k], `Parameter ${k + 1}`, sql);
  }
  return list;
}

/**
 * Functions and symbols are never SQL values, yet pg and mysql2 would silently store their source text
 * ("() => 1"): a forgotten call (`user.getId` for `user.getId()`) must fail here instead.
 */
export function rejectUnbindable(value: unknown, what: string, sql: string): void {
  const type = typeof value;
  if (type === "function" || type === "symbol") {
    throw new ParameterError(
      `${what} is a ${type}, which cannot be stored in SQL (did you forget to call it?). ` +
        `Pass a string, number, bigint, boolean, Date, Buffer or null: ${sql.slice(0, 120)}`,
    );
  }
}
