import type { IncomingMessage, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { sendPlainError, statusForError } from "./error-response.ts";
import { attachScope } from "./request-scope.ts";
import type { NodeHandler, ScopeOptions } from "./types.ts";

/**
 * Wraps a node:http handler so each request runs in its own scope: getSession() works anywhere in
 * the handler, and the scope commits (or rolls back) by the response status before the head leaves.
 * A commit that fails turns the response into a 500; a handler that throws rolls back and answers
 * 500 (503 when the pool timed out); a client that disconnects early rolls back.
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
    let rs;
    try {
      rs = attachScope(db, req, res, options);
    } catch (error) {
      // AlreadyRegisteredError (wrapped twice) or a registry with no database: a setup mistake.
      db.warn(error instanceof Error ? error : new Error(String(error)));
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
