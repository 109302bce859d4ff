import type { IncomingMessage, ServerResponse } from "node:http";
import { currentScope, type Scope } from "@sqlscope/core/adapter";
import {
  PROTOCOL,
  type AnyFn,
  type BaseCalls,
  type HeaderMethod,
  type HookedPrototypes,
  type Hooks,
  type Interceptor,
  type Method,
  type ViewGetter,
} from "./protocol.ts";

// Nothing here touches node:http's shared prototypes: `http.ServerResponse.prototype` and
// `http.IncomingMessage.prototype` stay as Node made them, for every server and client in the
// process. What gets hooks is only what sqlscope serves:
// - Express moves every request and response onto its own prototypes (`Object.setPrototypeOf(res,
//   app.response)`), after which V8 no longer caches property additions on them: every own property
//   added to such a response costs ~2.5 us and garbage. So for Express the hooks go once onto
//   Express's own `res`/`req` objects (one install per Express copy), and a response that gets a gate
//   gains one symbol property, as before.
// - A plain node:http response stays on its prototype, where own properties are as cheap as a
//   constructor's fields: it gets own methods, only once its scope has work (the held view only once
//   a gate holds it), and its request one own `emit`.

const KEY = Symbol.for(`sqlscope.node-http.hooks.v${PROTOCOL}`);
const GATE = Symbol.for(`sqlscope.node-http.gate.v${PROTOCOL}`);
const SCOPE = Symbol.for(`sqlscope.node-http.scope.v${PROTOCOL}`);
/** On a hooked prototype: its BaseCalls, so a gate on any response that inherits it finds them. */
const HOOKED = Symbol.for(`sqlscope.node-http.hooked.v${PROTOCOL}`);
/** On a plain response whose held view is in place. */
const VIEW = Symbol.for(`sqlscope.node-http.view.v${PROTOCOL}`);

const METHODS: readonly Method[] = ["writeHead", "write", "end", "flushHeaders"];
const HEADER_METHODS: readonly HeaderMethod[] = ["setHeader", "appendHeader", "removeHeader"];
const GETTERS: readonly ViewGetter[] = ["headersSent", "writableEnded", "writableNeedDrain"];
const LISTEN: readonly ("on" | "addListener" | "prependListener")[] = ["on", "addListener", "prependListener"];

type Gated = ServerResponse & { [GATE]?: Interceptor; [HOOKED]?: BaseCalls; [VIEW]?: true };
type Bound = IncomingMessage & { [SCOPE]?: Scope; res?: { writableEnded?: boolean } };

function createHooks(): Hooks {
  // How many gates in this process hold a head or an end right now. While none does (always so with a
  // driver that commits synchronously), the held view needs no lookup on the response at all.
  let holding = 0;
  const hookedResponses = new WeakMap<object, BaseCalls>();
  const hookedRequests = new WeakSet<object>();

  // What a plain response's calls resolve to, per prototype: computed once, reused while the
  // response's own and inherited methods are still those (checked by value, so a wrapper installed on
  // the response, or a prototype patched later, gets a base of its own).
  const protoBases = new WeakMap<object, BaseCalls>();
  function baseOfResponse(res: ServerResponse): BaseCalls {
    const proto = Object.getPrototypeOf(res) as object;
    let base = protoBases.get(proto);
    if (base === undefined) protoBases.set(proto, (base = baseOf(proto)));
    const r = res as unknown as Record<string, unknown>;
    const m = base.methods;
    if (
      r.writeHead === m.writeHead &&
      r.write === m.write &&
      r.end === m.end &&
      r.flushHeaders === m.flushHeaders &&
      r.setHeader === m.setHeader &&
      r.appendHeader === m.appendHeader &&
      r.removeHeader === m.removeHeader
    ) {
      return base;
    }
    return baseOf(res);
  }

  function holder(res: Gated): Interceptor | undefined {
    if (holding === 0) return undefined;
    for (let gate = res[GATE]; gate !== undefined; gate = gate.inner) if (gate.holding) return gate;
    return undefined;
  }

  function headersAlreadySent(): never {
    // The error Node throws once the head left: frameworks test for this code.
    throw Object.assign(new Error("Cannot set headers after they are sent to the client"), {
      code: "ERR_HTTP_HEADERS_SENT",
    });
  }

  /** What calls on `target` resolve to now: its own property, else what it inherits. */
  function baseOf(target: object): BaseCalls {
    const methods = {} as Record<Method | HeaderMethod, AnyFn>;
    for (const name of [...METHODS, ...HEADER_METHODS]) {
      const fn = (target as Record<string, unknown>)[name];
      if (typeof fn !== "function") throw unsupported(`no ${name}() method`);
      methods[name] = fn as AnyFn;
    }
    const getters = {} as Record<ViewGetter, (this: unknown) => unknown>;
    for (const name of GETTERS) getters[name] = getterOf(target, name);
    return { methods, getters };
  }

  // The held view: while a gate holds the head, the response looks as if the head had left
  // (headersSent true, header changes throw ERR_HTTP_HEADERS_SENT), and writableEnded /
  // writableNeedDrain tell what the handler did. Outside a hold everything goes to `base`.
  function viewDescriptors(base: (self: Gated) => BaseCalls): PropertyDescriptorMap {
    const map: PropertyDescriptorMap = {};
    for (const name of HEADER_METHODS) {
      map[name] = {
        configurable: true,
        writable: true,
        value: function (this: Gated, ...args: unknown[]) {
          if (holder(this) !== undefined) headersAlreadySent();
          return base(this).methods[name].apply(this, args);
        },
      };
    }
    map.headersSent = {
      configurable: true,
      get(this: Gated) {
        return holder(this) !== undefined ? true : base(this).getters.headersSent.call(this);
      },
    };
    map.writableEnded = {
      configurable: true,
      get(this: Gated) {
        const gate = holder(this);
        return gate !== undefined ? gate.endCalled : base(this).getters.writableEnded.call(this);
      },
    };
    map.writableNeedDrain = {
      configurable: true,
      get(this: Gated) {
        const gate = holder(this);
        return gate !== undefined ? gate.owesDrain : base(this).getters.writableNeedDrain.call(this);
      },
    };
    return map;
  }

  // Own methods of a plain response: one set of functions for every response (no closure per
  // request); the gate is always there, since these are installed together with it.
  const own: Record<Method, AnyFn> = {
    writeHead(this: unknown, ...args: unknown[]) {
      return ((this as Gated)[GATE] as Interceptor).onWriteHead(this as ServerResponse, args);
    },
    write(this: unknown, ...args: unknown[]) {
      return ((this as Gated)[GATE] as Interceptor).onWrite(this as ServerResponse, args);
    },
    end(this: unknown, ...args: unknown[]) {
      return ((this as Gated)[GATE] as Interceptor).onEnd(this as ServerResponse, args);
    },
    flushHeaders(this: unknown, ...args: unknown[]) {
      return ((this as Gated)[GATE] as Interceptor).onFlushHeaders(this as ServerResponse, args);
    },
  };
  const ownView = viewDescriptors((self) => (self[GATE] as Interceptor).base);

  function hookResponsePrototype(target: object): BaseCalls {
    const existing = hookedResponses.get(target);
    if (existing !== undefined) return existing;
    const base = baseOf(target);
    const map = viewDescriptors(() => base);
    for (const name of METHODS) {
      const below = base.methods[name];
      const hook =
        name === "writeHead"
          ? function (this: Gated, ...args: unknown[]) {
              const gate = this[GATE];
              return gate === undefined ? below.apply(this, args) : gate.onWriteHead(this, args);
            }
          : name === "write"
            ? function (this: Gated, ...args: unknown[]) {
                const gate = this[GATE];
                return gate === undefined ? below.apply(this, args) : gate.onWrite(this, args);
              }
            : name === "end"
              ? function (this: Gated, ...args: unknown[]) {
                  const gate = this[GATE];
                  return gate === undefined ? below.apply(this, args) : gate.onEnd(this, args);
                }
              : function (this: Gated, ...args: unknown[]) {
                  const gate = this[GATE];
                  return gate === undefined ? below.apply(this, args) : gate.onFlushHeaders(this, args);
                };
      map[name] = { configurable: true, writable: true, value: hook };
    }
    map[HOOKED] = { configurable: true, value: base };
    Object.defineProperties(target, map);
    hookedResponses.set(target, base);
    return base;
  }

  // Body and multipart parsers call next() from 'data'/'end' listeners, and Node runs a listener in
  // the context of whoever emitted the event (the socket's parser), not the request's: without this,
  // getSession() in the next handler finds no scope. A request bound to a scope runs its listeners
  // inside it.
  function runBound(self: Bound, scope: Scope, emit: AnyFn, args: unknown[]): unknown {
    // With no listener nothing runs in the scope; 'error' with none throws the same either way.
    if (currentScope() === scope || self.listenerCount(args[0] as string | symbol) === 0) return emit.apply(self, args);
    return scope.run(() => emit.apply(self, args));
  }

  function hookRequestPrototype(target: object): void {
    if (hookedRequests.has(target)) return;
    const map: PropertyDescriptorMap = {};
    for (const name of LISTEN) {
      // once() and prependOnceListener() go through on() and prependListener(); pipe() through on().
      const below = (target as Record<string, AnyFn>)[name] as AnyFn;
      map[name] = {
        configurable: true,
        writable: true,
        value: function (this: Bound, ...args: unknown[]) {
          // Only a request that gets a listener inside an open scope pays the property (Express's
          // objects make each one cost microseconds): a body parser mounted after the middleware. A
          // listener added once the response ended (node:http's own clean-up on every request whose
          // body nobody read) needs no scope.
          // A request already bound (the usual case once a parser listens) skips the context lookup.
          if (this[SCOPE] === undefined) {
            const scope = currentScope();
            if (scope !== undefined && scope.state === "open" && this.res?.writableEnded !== true) this[SCOPE] = scope;
          }
          return below.apply(this, args);
        },
      };
    }
    const emit = (target as { emit: AnyFn }).emit;
    map.emit = {
      configurable: true,
      writable: true,
      value: function (this: Bound, ...args: unknown[]) {
        const scope = this[SCOPE];
        return scope === undefined ? emit.apply(this, args) : runBound(this, scope, emit, args);
      },
    };
    Object.defineProperties(target, map);
    hookedRequests.add(target);
  }

  // A plain request's own emit: Node's parser pushes the body through `this.emit`, so one own
  // property catches every event; what it calls is looked up on the prototype at each call, so an
  // agent that wraps IncomingMessage.prototype.emit later is still called.
  function ownEmit(this: Bound, ...args: unknown[]): unknown {
    const emit = (Object.getPrototypeOf(this) as { emit: AnyFn }).emit;
    const scope = this[SCOPE];
    if (scope === undefined || scope.state !== "open") return emit.apply(this, args);
    return runBound(this, scope, emit, args);
  }

  return {
    protocol: PROTOCOL,

    hookPrototypes(response: object, request: object): HookedPrototypes {
      const responseBase = hookResponsePrototype(response);
      hookRequestPrototype(request);
      return { response, request, responseBase };
    },

    intercept(res: ServerResponse, gate: Interceptor, known: BaseCalls | undefined) {
      const r = res as Gated;
      const inner = r[GATE];
      let base = inner?.base ?? known;
      if (base === undefined) {
        base = r[HOOKED];
        if (base === undefined) {
          // A plain response: own methods in front of whatever it has now (a wrapper installed earlier
          // stays, behind the gate).
          base = baseOfResponse(res);
          r[GATE] = gate;
          for (const name of METHODS) (r as unknown as Record<Method, AnyFn>)[name] = own[name];
          return { inner, base };
        }
      }
      r[GATE] = gate;
      return { inner, base };
    },

    interceptorOf(res: ServerResponse): Interceptor | undefined {
      return (res as Gated)[GATE];
    },

    holdStarted(res: ServerResponse): void {
      holding++;
      const r = res as Gated;
      // A response on hooked prototypes has the view there; a plain one gets it now, once.
      if (r[VIEW] === undefined && r[HOOKED] === undefined && Object.hasOwn(r, GATE)) {
        r[VIEW] = true;
        Object.defineProperties(r, ownView);
      }
    },

    holdEnded(): void {
      holding--;
    },

    heldResponses(): number {
      return holding;
    },

    bindRequest(req: IncomingMessage, scope: Scope): void {
      const r = req as Bound;
      // The innermost scope (another SQLScope's, nested) sees the outer one's sessions too.
      r[SCOPE] = scope;
      if (r.emit !== ownEmit) {
        if (Object.hasOwn(r, "emit")) {
          // Somebody gave this request an own emit already: keep it, in front of ours.
          const theirs = r.emit as unknown as AnyFn;
          r.emit = function (this: Bound, ...args: unknown[]) {
            const bound = this[SCOPE];
            return bound === undefined || bound.state !== "open"
              ? theirs.apply(this, args)
              : runBound(this, bound, theirs, args);
          } as IncomingMessage["emit"];
        } else {
          r.emit = ownEmit as IncomingMessage["emit"];
        }
      }
    },
  };
}

function getterOf(target: object, name: ViewGetter): (this: unknown) => unknown {
  for (let p: object | null = target; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(p, name);
    if (descriptor !== undefined) {
      if (descriptor.get === undefined) throw unsupported(`no ${name} getter`);
      return descriptor.get;
    }
  }
  throw unsupported(`no ${name} getter`);
}

function unsupported(what: string): Error {
  return new Error(`node:http ServerResponse has ${what}; this Node version is not supported by @sqlscope/node-http.`);
}

function sharedHooks(): Hooks {
  const holder = globalThis as { [KEY]?: Hooks };
  const existing = holder[KEY];
  if (existing !== undefined && existing.protocol === PROTOCOL) return existing;
  const created = createHooks();
  Object.defineProperty(globalThis, KEY, { value: created, enumerable: false, writable: false, configurable: false });
  return created;
}

/** The hooks every copy of this package with the same protocol shares (see protocol.ts). */
export const hooks: Hooks = sharedHooks();
