import { AsyncLocalStorage } from "node:async_hooks";
import type { Server, ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import type { Handlers, Reply, Route, Variant } from "../config.ts";
import type { Peer } from "../peer.ts";

/** Any peer: the transaction is whatever its begin() gives. */
type AnyPeer = Peer<unknown>;

/** Everything a framework needs to build one variant's server. */
export interface AppParts {
  /** What runs before the routes; LK runs as L, K as B1 and M as P (they differ in their handlers only). */
  readonly variant: Exclude<Variant, "LK" | "K" | "M">;
  readonly handlers: Handlers;
  /** L only. */
  readonly registry?: SQLScope;
  /** P only. */
  readonly peer?: AnyPeer;
}

export type BuildServer = (parts: AppParts) => Promise<Server>;

/** B1a's bare AsyncLocalStorage: one run per request with a fresh store, nothing else. */
export const bareStorage = new AsyncLocalStorage<object>();

/** Calls the route; keeps synchronous results synchronous so hand-written SQLite code pays no microtask. */
export function callRoute(handlers: Handlers, route: Route, id: number): Reply | Promise<Reply> {
  switch (route) {
    case "read":
      return handlers.read(id);
    case "update":
      return handlers.update(id);
    case "nodb":
      return handlers.nodb();
    case "error":
      return handlers.error(id);
  }
}

/** Hands a reply (sync or async) to `send`, and a failure to `fail`. */
export function deliver(
  result: Reply | Promise<Reply>,
  send: (reply: Reply) => void,
  fail: (error: unknown) => void,
): void {
  if (result instanceof Promise) result.then(send, fail);
  else send(result);
}

export function requirePart<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bench: ${what} is missing for this variant`);
  return value;
}

/**
 * P's per-request transaction for frameworks where the handler writes the response itself (node:http,
 * Express, Fastify): begin eagerly, settle by status when the response closes, as the popular small
 * middlewares do (so P commits after the response left). The close listener goes on before begin():
 * a client that disconnects while begin() waits for a pooled connection must not strand that connection.
 */
export function peerTransaction(
  peer: AnyPeer,
  res: ServerResponse,
  next: () => void,
  fail: (error: unknown) => void,
): void {
  let closed = false;
  let trx: unknown | undefined;
  res.once("close", () => {
    closed = true;
    if (trx !== undefined) void peer.end(trx, res.writableFinished ? res.statusCode : 500);
  });
  peer.begin().then((t) => {
    if (closed) {
      void peer.end(t, 500);
      return;
    }
    trx = t;
    peer.run(t, next);
  }, fail);
}
