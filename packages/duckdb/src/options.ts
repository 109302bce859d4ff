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
  /**
   * Whether SQL may read and write files and URLs (read_csv, COPY ... TO, ATTACH of a file, httpfs,
   * INSTALL/LOAD). DuckDB's default is true. Set false unless the app needs it: any SQL text that
   * reaches the database can then not touch the file system. The same as
   * `config: { enable_external_access: "false" }`, and it cannot be switched back on from SQL.
   */
  externalAccess?: boolean;
}

export interface ResolvedDuckDBOptions {
  readonly path: string;
  readonly config: Readonly<Record<string, string>>;
  readonly integers: "number" | "bigint";
}

export function resolveOptions(options: DuckDBOptions): ResolvedDuckDBOptions {
  if (
    typeof options !== "object" ||
    options === null ||
    typeof options.path !== "string" ||
    options.path.length === 0
  ) {
    throw new ConfigError('duckdb() needs a path: duckdb({ path: "events.duckdb" }) or duckdb({ path: ":memory:" }).');
  }
  for (const [name, value] of Object.entries(options.config ?? {})) {
    if (typeof value !== "string") {
      throw new ConfigError(
        `duckdb({ config: { ${name} } }) must be a string (DuckDB takes every setting as text), got ${typeof value}.`,
      );
    }
  }
  const integers = options.integers ?? "number";
  if (integers !== "number" && integers !== "bigint") {
    throw new ConfigError(`duckdb({ integers }) must be "number" or "bigint", got ${String(integers)}.`);
  }
  const config: Record<string, string> = { ...options.config };
  if (options.externalAccess !== undefined) {
    if (typeof options.externalAccess !== "boolean") {
      throw new ConfigError(`duckdb({ externalAccess }) must be true or false, got ${String(options.externalAccess)}.`);
    }
    const given = config.enable_external_access;
    if (given !== undefined && given !== String(options.externalAccess)) {
      throw new ConfigError(
        `duckdb({ externalAccess: ${String(options.externalAccess)} }) contradicts config.enable_external_access "${given}"; set only one of them.`,
      );
    }
    config.enable_external_access = String(options.externalAccess);
  }
  return { path: options.path, config, integers };
}
