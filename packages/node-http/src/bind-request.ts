import type { IncomingMessage } from "node:http";
import type { Scope } from "@sqlscope/core";

/**
 * Makes every listener of this request run inside `scope`. Body and multipart parsers call `next()`
 * from 'data'/'end' listeners, and Node runs a listener in the context of whoever emitted the event
 * (the socket's parser), not in the request's: without this, getSession() in the next handler finds
 * no scope. Own property on this one request object; the scope is closed over, never looked up.
 * An event nobody listens to is emitted as is: a request whose body nobody reads ('resume', 'end',
 * 'close' fire anyway) pays no AsyncLocalStorage.run for them.
 */
export function bindRequestEvents(req: IncomingMessage, scope: Scope): void {
  const emit = req.emit;
  // Anonymous on purpose: a named function expression costs a defineProperty per request under tsx.
  req.emit = function (this: IncomingMessage, ...args: Parameters<IncomingMessage["emit"]>) {
    // With no listener nothing runs in the scope; 'error' with none throws the same either way.
    if (this.listenerCount(args[0]) === 0) return emit.apply(this, args);
    return scope.run(() => emit.apply(this, args));
  } as IncomingMessage["emit"];
}
