import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import {
  clientGone,
  endScope,
  endWhenClientGone,
  FAILED,
  failedOutcome,
  joinedScope,
  keepServerError,
  type FinishReport,
  type SQLScopeError,
  reportWarning,
  requestIntent,
  type IntentOption,
} from "@sqlscope/core/adapter";

/** The parts of a Koa context the middleware reads; Koa 2 and 3 both have them. */
export interface KoaLikeContext {
  status: number;
  readonly method: string;
  readonly path: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export type KoaLikeNext = () => Promise<unknown>;

export interface KoaSQLScopeOptions<Ctx extends KoaLikeContext = KoaLikeContext> {
  /**
   * The transaction intent of a request: "write" makes SQLite take its write lock at the request's
   * first statement (a read-await-write handler then cannot fail with SQLITE_BUSY_SNAPSHOT when
   * another request commits first), "read" keeps it deferred so reads run side by side. Default: by
   * method, "write" for POST, PUT, PATCH and DELETE, "read" for GET, HEAD, OPTIONS. A function decides
   * per request (per route). PostgreSQL and MySQL ignore it.
   */
  intent?: IntentOption<Ctx>;
}

/**
 * Koa middleware that gives every request its own sqlscope scope. Mount it before the routes that
 * call getSession(); a request that meets it again (a sub-app or router that mounts it too) stays in
 * its first scope. The scope settles by `ctx.status` after the downstream middleware returned and
 * before Koa writes the response: a failed commit becomes a 500 through Koa's error handling (and
 * stays a 5xx whatever an outer middleware writes), a thrown error rolls back and propagates, and a
 * client that disconnects rolls back and releases at once.
 *
 * @example
 * const app = new Koa();
 * app.use(sqlscope(db));
 * app.use(async (ctx) => { ctx.body = await getSession().select("SELECT * FROM users"); });
 */
export function sqlscope<Ctx extends KoaLikeContext = KoaLikeContext>(
  db: SQLScope,
  options: KoaSQLScopeOptions<Ctx> = {},
): (ctx: Ctx, next: KoaLikeNext) => Promise<void> {
  const warn = (report: FinishReport): void => {
    if (report.error !== undefined) reportWarning(db, report.error);
  };
  return async function sqlscopeMiddleware(ctx, next) {
    // A nested mount (koa-mount sub-app, router): the outer mount's scope settles this request.
    if (joinedScope(db) !== undefined) {
      await next();
      return;
    }
    const scope = db.createScope({ intent: requestIntent(options.intent, ctx, ctx.req.method) });
    endWhenClientGone(scope, ctx.req, ctx.res, warn);
    try {
      await scope.run(next);
    } catch (error) {
      const ended = endScope(scope, failedOutcome(error));
      warn(ended instanceof Promise ? await ended : ended);
      throw error;
    }
    // The client hung up before anything was written: nobody will see a success, so nothing commits.
    const ended = endScope(
      scope,
      scope.needsSettling && clientGone(ctx.req, ctx.res) ? FAILED : { status: ctx.status },
    );
    // A driver that commits synchronously (SQLite) costs no await.
    const report = ended instanceof Promise ? await ended : ended;
    if (report.ok) return;
    keepServerError(ctx.res);
    // Reported here whatever the app's error middleware makes of the throw below.
    warn(report);
    throw asServerError(report.error);
  };
}

// Koa's error handling reads `status` and `expose`: a 500 whose message stays in the logs.
function asServerError(error: SQLScopeError | undefined): Error {
  const failure = error ?? new Error("sqlscope: a commit failed");
  return Object.assign(failure, { status: 500, expose: false });
}
