import { ConfigError } from "@sqlscope/core";

/** What `duckdb({...})` accepts. */
export interface DuckDBOptions {
  /**
   * A database file, `":memory:"` (a private in-memory database for this driver) or `":memory:name"`
   * (an in-memory database shared by every driver in this process that uses the same name).
   */
  path: string;
  /** DuckDB configuration for the instance (`threads`, `memory_limit`, `access_mode`, ...). */
  config?: Readonly<Record<string, string>>;
  /**
   * How BIGINT/HUGEINT columns come back: "number" (default) gives numbers when they fit in a double
   * without loss and bigint otherwise, so `count(*)` is a number and JSON.stringify works; "bigint"
   * always gives bigint.
   */
  integers?: "number" | "bigint";
}

export interface ResolvedDuckDBOptions {
  readonly path: string;
  readonly config: Readonly<Record<string, string>>;
  readonly integers: "number" | "bigint";
}

export function resolveOptions(options: DuckDBOptions): ResolvedDuckDBOptions {
  if (typeof options !== "object" || options === null || typeof options.path !== "string" || options.path.length === 0) {
    throw new ConfigError('duckdb() needs a path: duckdb({ path: "events.duckdb" }) or duckdb({ path: ":memory:" }).');
  }
  for (const [name, value] of Object.entries(options.config ?? {})) {
    if (typeof value !== "string") {
      throw new ConfigError(`duckdb({ config: { ${name} } }) must be a string (DuckDB takes every setting as text), got ${typeof value}.`);
    }
  }
  const integers = options.integers ?? "number";
  if (integers !== "number" && integers !== "bigint") {
    throw new ConfigError(`duckdb({ integers }) must be "number" or "bigint", got ${String(integers)}.`);
  }
  return { path: options.path, config: { ...options.config }, integers };
}
