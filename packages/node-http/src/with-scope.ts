import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { joinedScope, statusForError, reportWarning } from "@sqlscope/core/adapter";
import { sendPlainError } from "./error-response.ts";
import { attachScope } from "./request-scope.ts";
import type { NodeHandler, ScopeOptions } from "./types.ts";

/**
 * Wraps a node:http handler so each request runs in its own scope: getSession() works anywhere in
 * the handler, and the scope commits (or rolls back) by the response status before the head leaves.
 * A commit that fails turns the response into a 500; a handler that throws rolls back and answers
 * 500 (503 when the pool timed out); a client that disconnects early rolls back. A request already
 * in a scope of `db` (wrapped twice) joins it.
 *
 * @example
 * http.createServer(withScope(db, async (req, res) => {
 *   await getSession().execute("INSERT INTO hits (path) VALUES (?)", [req.url]);
 *   res.writeHead(201).end();
 * })).listen(3000);
 */
export function withScope<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  db: SQLScope,
  handler: NodeHandler<Req, Res>,
  options: ScopeOptions = {},
): (req: Req, res: Res) => Promise<void> {
  return async function sqlscopeHandler(req: Req, res: Res): Promise<void> {
    // A nested wrap of the same SQLScope: the outer one settles the request and handles its errors.
    if (joinedScope(db) !== undefined) return handler(req, res);
    let rs;
    try {
      rs = attachScope(db, req, res, options);
    } catch (error) {
      // Not a node:http response, or a registry with no database: a setup mistake.
      reportWarning(db, error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) sendPlainError(res, statusForError(error));
      return;
    }
    try {
      await rs.run(() => handler(req, res));
    } catch (error) {
      await rs.fail(error);
    }
  };
}
