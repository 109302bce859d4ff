import type { SQLScope } from "@sqlscope/core";

/** What a test route gets from the request, whatever the framework. */
export interface RouteInput {
  /** The full request URL (the suite passes its parameters in the query string). */
  readonly url: URL;
}

/**
 * What a test route answers. The adapter writes it with its framework's own API: status and headers
 * first, then `body` in one piece, or each of `chunks` as a separate write (a streamed response).
 */
export interface RouteResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly chunks?: readonly string[];
}

/**
 * One route the adapter must mount. `handle` does the database work through getSession(), so it must
 * run inside the adapter's scope; when it throws, the adapter lets its framework's error path run.
 */
export interface RouteSpec {
  readonly method: "GET" | "POST";
  readonly path: string;
  handle(input: RouteInput): Promise<RouteResponse>;
}

export interface StartedServer {
  /** Base URL such as http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
}

/** How the suite wants a server built, beyond the plain case. */
export interface StartOptions {
  /**
   * Mount the routes in the framework's unit of nesting (an Express sub-app or router, a Koa or Hono
   * sub-app, a Fastify encapsulated plugin) that mounts the adapter again, for this SQLScope (the
   * same `db`, or another one).
   */
  readonly nested?: SQLScope;
  /**
   * The app's error handling answers every error 200 OK: onCommitError where the adapter has one,
   * the framework's error handler, an outer middleware that overwrites an error response.
   */
  readonly lenientErrors?: boolean;
  /**
   * Mount the adapter's error mapper, `sqlscopeErrors(db)`, as its docs say (Express: after the
   * routes; Koa and Hono: before the adapter's middleware; Fastify: as the error handler).
   */
  readonly errorMapper?: boolean;
  /**
   * The adapter module to mount instead of the one the harness imported (a second copy on disk); with
   * `nested`, only the inner mount uses it.
   */
  readonly adapter?: unknown;
  /**
   * Pass the adapter's `intent` option as a function of the request that answers this map's intent
   * for a request path in it, and `methodIntent(method)` for any other path.
   */
  readonly intentByPath?: Readonly<Record<string, "read" | "write">>;
}

/**
 * The few lines each framework adapter writes to run the shared suite: start a real HTTP server on
 * 127.0.0.1 with the adapter's middleware for `db` and every route of `routes` mounted.
 *
 * @example
 * runAdapterSuite({
 *   name: "express",
 *   start: async (db, routes) => {
 *     const app = express().use(sqlscope(db));
 *     for (const r of routes) app[r.method === "GET" ? "get" : "post"](r.path, async (req, res) => send(res, await r.handle(...)));
 *     return listen(app);
 *   },
 * });
 */
export interface AdapterHarness {
  readonly name: string;
  start(db: SQLScope, routes: readonly RouteSpec[], options?: StartOptions): Promise<StartedServer>;
  /**
   * The adapter package on disk, for the checks that load it in a fresh process or as a second copy:
   * its directory (with package.json and src/), and the workspace packages it depends on that a
   * second copy must bring copies of too (Express: @sqlscope/node-http).
   */
  readonly package: { readonly dir: URL; readonly alsoCopy?: readonly string[] };
  /**
   * A module that starts a server of the same framework WITHOUT sqlscope (it imports none): it must
   * export `start(): Promise<StartedServer>` serving PLAIN_REQUESTS (see plain.ts) with fixed bytes.
   */
  readonly plainServer: URL;
}
