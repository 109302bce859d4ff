// Shared vocabulary of the harness: what a benchmark server is told to be, and what it reports back.

export const FRAMEWORKS = ["node-http", "express", "koa", "hono", "fastify"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const DRIVERS = ["sqlite", "postgres", "mysql", "duckdb"] as const;
export type DriverName = (typeof DRIVERS)[number];

/**
 * B1: hand-written per-request transaction on the raw driver. B1a: the same inside a bare
 * AsyncLocalStorage.run per request. L: sqlscope. P: the peer (Kysely + a per-request transaction on ALS).
 * LK: Kysely on sqlscope (@sqlscope/kysely, L's middleware). K: Kysely alone on its own pool, every
 * statement in autocommit (no per-request transaction at all: what the builder costs by itself).
 * M: the second peer, MikroORM with RequestContext and a per-request transaction (PostgreSQL, MySQL).
 */
export const VARIANTS = ["B1", "B1a", "L", "P", "LK", "K", "M"] as const;
export type Variant = (typeof VARIANTS)[number];

/** read: SELECT by primary key. update: UPDATE then SELECT. nodb: touches no database. error: UPDATE then 500 (rolls back). */
export const ROUTES = ["read", "update", "nodb", "error"] as const;
export type Route = (typeof ROUTES)[number];

/** Where a server's database lives. SQLite and DuckDB get one file per server so variants never share a WAL. */
export type DbTarget =
  | { readonly kind: "sqlite"; readonly file: string }
  | { readonly kind: "duckdb"; readonly file: string }
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "mysql"; readonly url: string };

export interface ServerConfig {
  readonly framework: Framework;
  readonly variant: Variant;
  readonly db: DbTarget;
  /** Connections per pool, the same for every variant. */
  readonly poolMax: number;
  /** Rows in the users table; ids are 1..rows. */
  readonly rows: number;
  /** Extra pool options for L (`--l-pool='{"leakDetectionMs":0}'`), to measure what a setting costs. */
  readonly lPool?: Readonly<Record<string, number>>;
}

/** cpu: V8's CPU profiler (.cpuprofile). heap: its sampling heap profiler, counting objects GC already collected (.heapprofile). */
export type ProfileKind = "cpu" | "heap";

/** Parent -> server. */
export type ServerRequest =
  | { readonly type: "stats"; readonly gc?: boolean }
  | { readonly type: "profile-start"; readonly kind?: ProfileKind }
  | { readonly type: "profile-stop"; readonly file: string; readonly kind?: ProfileKind }
  | { readonly type: "stop" };

/** Server -> parent. */
export type ServerMessage =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "stats"; readonly cpuMicros: number; readonly rss: number; readonly heapUsed: number }
  | { readonly type: "profiled"; readonly error?: string }
  | { readonly type: "fatal"; readonly message: string };

/** What a route answers: every variant computes the same status and body. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** One variant's route logic. Synchronous results are allowed so hand-written SQLite code stays synchronous. */
export interface Handlers {
  read(id: number): Reply | Promise<Reply>;
  update(id: number): Reply | Promise<Reply>;
  nodb(): Reply | Promise<Reply>;
  error(id: number): Reply | Promise<Reply>;
  close(): Promise<void>;
}

/** The SQL every variant runs, by placeholder style. */
export function statements(kind: DbTarget["kind"]): { select: string; update: string } {
  const p = kind === "postgres" || kind === "duckdb" ? "$1" : "?";
  return {
    select: `SELECT id, name, email, visits FROM users WHERE id = ${p}`,
    update: `UPDATE users SET visits = visits + 1 WHERE id = ${p}`,
  };
}

export const NODB_REPLY: Reply = { status: 200, body: { ok: true } };
