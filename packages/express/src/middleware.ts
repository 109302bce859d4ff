import type { SQLScope } from "@sqlscope/core";
import { joinedScope, type IntentOption } from "@sqlscope/core/adapter";
import { attachScope, hookPrototypes, type AttachOptions, type ScopeOptions } from "@sqlscope/node-http";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** Every Express app has these (Express 4 and 5); @types/express does not declare them. */
interface AppPrototypes {
  readonly request: object;
  readonly response: object;
}

/** Express errors go to Express's error middleware, so only the commit-failure responder applies. */
export interface ExpressScopeOptions {
  /**
   * A commit failed after the handler chose a success status: the held response is dropped and this
   * writes the replacement with Express's own `res` (`res.status(500).json(...)`), always as a 5xx (a
   * lower status becomes 500). Default: a plain-text 500. The error goes to the SQLScope's onWarning
   * either way.
   *
   * @example
   * app.use(sqlscope(db, { onCommitError: (error, req, res) => res.status(503).json({ error: "not saved, retry" }) }));
   */
  onCommitError?: (error: unknown, req: Request, res: Response) => unknown;
  /**
   * The transaction intent of a request: "write" makes SQLite take its write lock at the request's
   * first statement (a read-await-write handler then cannot fail with SQLITE_BUSY_SNAPSHOT when
   * another request commits first), "read" keeps it deferred so reads run side by side. Default: by
   * method, "write" for POST, PUT, PATCH and DELETE, "read" for GET, HEAD, OPTIONS. A function decides
   * per request (per route). PostgreSQL and MySQL ignore it.
   *
   * @example
   * app.use(sqlscope(db, { intent: (req) => (req.path === "/visits" ? "write" : methodIntent(req.method)) }));
   */
  intent?: IntentOption<Request>;
}

/**
 * Express middleware: every request gets its own scope, so getSession() works in every later
 * handler, whatever body parsers (express.json(), multer) run before or after it. The scope commits
 * or rolls back by the response status before the head leaves; a failed commit turns the response
 * into a 500; a client that disconnects early rolls back. Mount it before the routes; a request that
 * meets it again (a sub-app or router that mounts it too) stays in its first scope.
 *
 * @example
 * const app = express();
 * app.use(sqlscope(db));
 * app.post("/users", express.json(), async (req, res) => {
 *   const { lastInsertId } = await getSession().execute("INSERT INTO users (email) VALUES (?)", [req.body.email]);
 *   res.status(201).json({ id: lastInsertId });
 * });
 */
export function sqlscope(db: SQLScope, options: ExpressScopeOptions = {}): RequestHandler {
  // Express moves each req/res onto its app's prototypes, whose chains end in Express's own `req` and
  // `res` objects: the interception goes there once per Express copy (see @sqlscope/node-http).
  let app: unknown;
  // node-http hands the responder the request and response it was given, which are Express's here.
  const base: AttachOptions = {};
  if (options.onCommitError !== undefined)
    base.onCommitError = options.onCommitError as NonNullable<ScopeOptions["onCommitError"]>;
  // node-http calls it with the request it was given, which is Express's here.
  if (options.intent !== undefined) base.intent = options.intent as NonNullable<ScopeOptions["intent"]>;
  let attach: AttachOptions = base;
  return function sqlscopeMiddleware(req: Request, res: Response, next: NextFunction): void {
    // A nested mount (sub-app, router): the outer mount's scope settles this request.
    if (joinedScope(db) !== undefined) {
      next();
      return;
    }
    let rs;
    try {
      if (req.app !== app) {
        const { request, response } = req.app as unknown as AppPrototypes;
        attach = { ...base, prototypes: hookPrototypes(response, request) };
        app = req.app;
      }
      rs = attachScope(db, req, res, attach);
    } catch (error) {
      // No database registered, or not a node:http response: Express's error path says so.
      next(error);
      return;
    }
    // The rest of the chain starts inside the scope; listeners on req (body parsers resuming next()
    // from 'end') are bound to it by the request hooks.
    rs.run(() => next());
  };
}
