import { IncomingMessage } from "node:http";
import { currentScope, type Scope } from "@sqlscope/core";

type Listener = (...args: unknown[]) => unknown;
type AddListener = (this: IncomingMessage, event: string | symbol, listener: Listener) => IncomingMessage;

const SCOPE = Symbol("sqlscope.requestScope");
type Bound = IncomingMessage & { [SCOPE]?: Scope };

// Body and multipart parsers call `next()` from 'data'/'end' listeners, and Node runs a listener in
// the context of whoever emitted the event (the socket's parser), not the request's: without this,
// getSession() in the next handler finds no scope. So once a listener is added to a request inside a
// scope, every listener of that request runs inside that scope.
// Why hooks on the prototype, installed when this module loads, instead of an own `emit` on each
// request: Express gives every request a new prototype, after which each property V8 adds to it costs
// microseconds (see response-hooks.ts). Only a request that gets a listener inside a scope (a body
// parser mounted after the scope's middleware) pays one property; a GET route pays nothing.
const proto = IncomingMessage.prototype as unknown as Record<"on" | "addListener" | "prependListener", AddListener>;

for (const name of ["on", "addListener", "prependListener"] as const) {
  // once() and prependOnceListener() go through on() and prependListener(); pipe() through on().
  const inherited = proto[name];
  proto[name] = function (this: Bound, event: string | symbol, listener: Listener) {
    // node:http's own clearIncoming goes on 'end' of every request whose body nobody read, from the
    // response's 'finish', which the handler's end() emits inside the scope: binding for it would make
    // every request pay the property.
    if (this[SCOPE] === undefined && listener.name !== "clearIncoming") {
      const scope = currentScope();
      if (scope !== undefined && scope.state === "open") this[SCOPE] = scope;
    }
    return inherited.call(this, event, listener);
  };
}

const inheritedEmit = IncomingMessage.prototype.emit;
IncomingMessage.prototype.emit = function (this: Bound, ...args: Parameters<IncomingMessage["emit"]>) {
  const scope = this[SCOPE];
  // With no listener nothing runs in the scope; 'error' with none throws the same either way.
  if (scope === undefined || this.listenerCount(args[0]) === 0) return inheritedEmit.apply(this, args);
  return scope.run(() => inheritedEmit.apply(this, args));
} as IncomingMessage["emit"];

/** The scope this request's listeners run in, if one was bound (for tests). */
export function boundScope(req: IncomingMessage): Scope | undefined {
  return (req as Bound)[SCOPE];
}
