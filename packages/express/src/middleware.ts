import type { SQLScope } from "@sqlscope/core";
import { attachScope, type ScopeOptions } from "@sqlscope/node-http";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** Express errors go to Express's error middleware, so only the commit-failure responder applies. */
export type ExpressScopeOptions = Pick<ScopeOptions, "onCommitError">;

/**
 * Express middleware: every request gets its own scope, so getSession() works in every later
 * handler, whatever body parsers (express.json(), multer) run before or after it. The scope commits
 * or rolls back by the response status before the head leaves; a failed commit turns the response
 * into a 500; a client that disconnects early rolls back. Mount it once, before the routes.
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
  return function sqlscopeMiddleware(req: Request, res: Response, next: NextFunction): void {
    let rs;
    try {
      rs = attachScope(db, req, res, options);
    } catch (error) {
      // Mounted twice (AlreadyRegisteredError) or no database registered: Express's error path says so.
      next(error);
      return;
    }
    // The rest of the chain starts inside the scope; listeners on req (body parsers resuming next()
    // from 'end') are bound to it by attachScope.
    rs.run(() => next());
  };
}
