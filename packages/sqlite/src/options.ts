import { ConfigError } from "@sqlscope/core";

/** Options of `sqlite({...})`. Pool settings go to `db.add(driver, { pool })`, not here. */
export interface SqliteOptions {
  /** Path of the database file, or ":memory:" (one shared connection per driver). */
  filename: string;
  /**
   * How long a write waits for a lock held by ANOTHER process (a migration, a CLI) before it fails
   * with the retryable SerializationError. Waiting is done with async retries, never by blocking the
   * event loop. Writers inside this process queue behind the write gate instead. Default 5000.
   */
  busyTimeoutMs?: number;
  /** How long a write waits for the in-process write gate before it fails (retryable). Default 5000. */
  writeTimeoutMs?: number;
  /** Extra pragmas run on every new connection, after the defaults (WAL, synchronous=NORMAL, foreign_keys=ON). */
  pragmas?: Readonly<Record<string, string | number | boolean>>;
  /**
   * When a transaction takes the write gate (BEGIN IMMEDIATE) at its first statement, reads included.
   * Such a transaction cannot fail later when it writes after another one committed (a deferred one
   * can: SQLITE_BUSY_SNAPSHOT), but it runs alone among the writers of this file.
   * - unset (default): when its scope says it will write: the adapters' POST, PUT, PATCH and DELETE
   *   requests, `runInScope(fn, { intent: "write" })`. GET/HEAD requests and other scopes stay deferred
   *   (reads run side by side, the gate is taken at the first write).
   * - `true`: every transaction, whatever its scope says.
   * - `false`: none; every transaction is deferred (write intent ignored).
   */
  immediateTransactions?: boolean;
  /** Opens the file read-only; every write fails. */
  readonly?: boolean;
  /** Prepared statements kept per connection (least recently used are dropped). Default 200. */
  statementCacheSize?: number;
  /** Return every integer as a bigint (exact beyond 2^53). Default false: numbers. */
  safeIntegers?: boolean;
}

export interface ResolvedSqliteOptions {
  readonly filename: string;
  readonly memory: boolean;
  readonly busyTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly pragmas: readonly string[];
  readonly readonly: boolean;
  /** always: every transaction; intent: a transaction whose scope has write intent; never. */
  readonly immediate: "always" | "intent" | "never";
  readonly statementCacheSize: number;
  readonly safeIntegers: boolean;
}

const PRAGMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRAGMA_WORD = /^[A-Za-z0-9_.-]+$/;

/** Validates the options once, when `sqlite({...})` is called, so mistakes fail at start-up. */
export function resolveOptions(options: SqliteOptions): ResolvedSqliteOptions {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError('sqlite() needs an options object: sqlite({ filename: "app.db" }).');
  }
  const { filename } = options;
  if (typeof filename !== "string" || filename.length === 0) {
    throw new ConfigError(
      `sqlite() needs a filename, got ${JSON.stringify(filename)}. Use sqlite({ filename: "app.db" }), or ":memory:" for a throwaway database.`,
    );
  }
  return {
    filename,
    memory: filename === ":memory:",
    busyTimeoutMs: nonNegative("busyTimeoutMs", options.busyTimeoutMs, 5_000),
    writeTimeoutMs: positive("writeTimeoutMs", options.writeTimeoutMs, 5_000),
    pragmas: pragmaStatements(options.pragmas ?? {}),
    readonly: options.readonly === true,
    immediate: immediateMode(options.immediateTransactions),
    statementCacheSize: positive("statementCacheSize", options.statementCacheSize, 200),
    safeIntegers: options.safeIntegers === true,
  };
}

function immediateMode(value: boolean | undefined): ResolvedSqliteOptions["immediate"] {
  if (value === undefined) return "intent";
  if (typeof value !== "boolean") {
    throw new ConfigError(
      `sqlite() option immediateTransactions must be true, false or left out (by the scope's intent), got ${String(value)}.`,
    );
  }
  return value ? "always" : "never";
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`sqlite() option ${name} must be a finite number >= 0, got ${String(value)}.`);
  }
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const n = nonNegative(name, value, fallback);
  if (n === 0) throw new ConfigError(`sqlite() option ${name} must be greater than 0.`);
  return n;
}

function pragmaStatements(pragmas: Readonly<Record<string, string | number | boolean>>): string[] {
  return Object.entries(pragmas).map(([name, value]) => {
    // Pragmas cannot take bind parameters, so names and values are checked before they are pasted in.
    if (!PRAGMA_NAME.test(name))
      throw new ConfigError(`sqlite() pragma name ${JSON.stringify(name)} is not a plain identifier.`);
    const text = typeof value === "boolean" ? (value ? "ON" : "OFF") : String(value);
    if (!PRAGMA_WORD.test(text)) {
      throw new ConfigError(
        `sqlite() pragma ${name} has value ${JSON.stringify(value)}; use a number or a single word such as NORMAL.`,
      );
    }
    return `PRAGMA ${name} = ${text}`;
  });
}
