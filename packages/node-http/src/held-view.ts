import { OutgoingMessage, type ServerResponse } from "node:http";

/** What the view needs to know about a gate that may be holding this response. */
export interface HeldState {
  readonly holding: boolean;
  readonly endCalled: boolean;
  readonly owesDrain: boolean;
}

interface View {
  readonly gates: HeldState[];
  readonly setHeader: (...args: unknown[]) => unknown;
  readonly appendHeader: ((...args: unknown[]) => unknown) | undefined;
  readonly removeHeader: (...args: unknown[]) => unknown;
}

const VIEW = Symbol("sqlscope.heldView");
type WithView = ServerResponse & { [VIEW]?: View };

const proto = OutgoingMessage.prototype;
const nativeHeadersSent = getter("headersSent");
const nativeWritableEnded = getter("writableEnded");
const nativeWritableNeedDrain = getter("writableNeedDrain");

function getter(name: string): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(proto, name)?.get;
  if (get === undefined) throw new Error(`node:http OutgoingMessage has no ${name} getter; this Node version is not supported.`);
  return get;
}

function holder(res: WithView): HeldState | undefined {
  const gates = res[VIEW]?.gates;
  if (gates !== undefined) for (const gate of gates) if (gate.holding) return gate;
  return undefined;
}

function headersAlreadySent(): never {
  // Same error Node throws once the head left: frameworks test for this code.
  throw Object.assign(new Error("Cannot set headers after they are sent to the client"), { code: "ERR_HTTP_HEADERS_SENT" });
}

// One set of functions shared by every response: per-request closures as accessors would give each
// response its own hidden class and make every later property access on it slow.
const accessors: PropertyDescriptorMap = {
  headersSent: {
    configurable: true,
    get(this: WithView) {
      return holder(this) !== undefined ? true : nativeHeadersSent.call(this);
    },
  },
  writableEnded: {
    configurable: true,
    get(this: WithView) {
      const gate = holder(this);
      return gate !== undefined ? gate.endCalled : nativeWritableEnded.call(this);
    },
  },
  writableNeedDrain: {
    configurable: true,
    get(this: WithView) {
      const gate = holder(this);
      return gate !== undefined ? gate.owesDrain : nativeWritableNeedDrain.call(this);
    },
  },
};

function setHeader(this: WithView, ...args: unknown[]): unknown {
  if (holder(this) !== undefined) headersAlreadySent();
  return (this[VIEW] as View).setHeader.apply(this, args);
}

function appendHeader(this: WithView, ...args: unknown[]): unknown {
  if (holder(this) !== undefined) headersAlreadySent();
  return (this[VIEW] as View).appendHeader?.apply(this, args);
}

function removeHeader(this: WithView, ...args: unknown[]): unknown {
  if (holder(this) !== undefined) headersAlreadySent();
  return (this[VIEW] as View).removeHeader.apply(this, args);
}

/**
 * While a gate holds the head, the response must look as if the head had left: headersSent is true,
 * setHeader/appendHeader/removeHeader throw ERR_HTTP_HEADERS_SENT, writableEnded and
 * writableNeedDrain tell what the handler did. Installed on the first hold and never removed
 * (deleting own properties would slow the response down); outside a hold everything is native.
 */
export function installHeldView(res: ServerResponse, gate: HeldState): void {
  const r = res as WithView;
  const existing = r[VIEW];
  if (existing !== undefined) {
    if (!existing.gates.includes(gate)) existing.gates.push(gate);
    return;
  }
  const loose = res as unknown as Record<string, (...args: unknown[]) => unknown>;
  r[VIEW] = {
    gates: [gate],
    setHeader: loose.setHeader as View["setHeader"],
    appendHeader: loose.appendHeader,
    removeHeader: loose.removeHeader as View["removeHeader"],
  };
  loose.setHeader = setHeader;
  if (loose.appendHeader !== undefined) loose.appendHeader = appendHeader;
  loose.removeHeader = removeHeader;
  Object.defineProperties(res, accessors);
}
