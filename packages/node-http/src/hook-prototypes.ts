import { IncomingMessage, ServerResponse } from "node:http";
import { hooks } from "./hooks/hooks.ts";
import type { HookedPrototypes } from "./hooks/protocol.ts";

/**
 * For a framework that moves every request and response onto prototypes of its own (Express does,
 * with `Object.setPrototypeOf`): installs sqlscope's interception once on the objects of those
 * chains that sit right above node:http's (Express's `req` and `res`), and returns them for
 * `attachScope(db, req, res, { prototypes })`. Every app of that framework copy then shares one
 * install, and a request adds only what it uses (V8 makes each property added to a re-prototyped
 * object cost microseconds). Idempotent; node:http's own prototypes are never touched.
 *
 * @example
 * const prototypes = hookPrototypes(req.app.response, req.app.request);
 * const rs = attachScope(db, req, res, { prototypes });
 */
export function hookPrototypes(response: object, request: object): HookedPrototypes {
  return hooks.hookPrototypes(
    justAbove(response, ServerResponse.prototype, "response"),
    justAbove(request, IncomingMessage.prototype, "request"),
  );
}

function justAbove(start: object, base: object, what: string): object {
  for (let p: object | null = start; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getPrototypeOf(p) === base) return p;
  }
  throw new TypeError(
    `hookPrototypes() needs a ${what} prototype whose chain leads to node:http's ${what === "response" ? "ServerResponse" : "IncomingMessage"}.prototype; ` +
      "pass the object the framework moves each " +
      what +
      " onto (Express: req.app." +
      what +
      ").",
  );
}
