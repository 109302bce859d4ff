import type { IncomingMessage } from "node:http";
import type { Scope } from "@sqlscope/core";

/**
 * Makes every listener of this request run inside `scope`. Body and multipart parsers call `next()`
 * from 'data'/'end' listeners, and Node runs a listener in the context of whoever emitted the event
 * (the socket's parser), not in the request's: without this, getSession() in the next handler finds
 * no scope. Own property on this one request object; the scope is closed over, never looked up.
 */
export function bindRequestEvents(req: IncomingMessage, scope: Scope): void {
  const emit = req.emit;
  req.emit = function emitInScope(this: IncomingMessage, ...args: Parameters<IncomingMessage["emit"]>) {
    return scope.run(() => emit.apply(this, args));
  } as IncomingMessage["emit"];
}
