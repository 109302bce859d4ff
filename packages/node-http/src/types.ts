import type { IncomingMessage, ServerResponse } from "node:http";
import type { IntentOption } from "@sqlscope/core/adapter";
import type { HookedPrototypes } from "./hooks/protocol.ts";

/** A plain node:http request handler, as `http.createServer` takes it. */
export type NodeHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> = (
  req: Req,
  res: Res,
) => void | Promise<void>;

/**
 * Writes the response that replaces the held one. It runs after the scope settled, on a response with
 * no head sent and every header the handler set removed. When it returns without ending the response,
 * the response is ended for it.
 */
export type ErrorResponder = (error: unknown, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ScopeOptions {
  /**
   * A commit failed after the handler chose a success status: the held response is dropped and this
   * writes the replacement, always with a 5xx (a lower status it sets becomes 500). Default: a
   * plain-text 500. Either way the error goes to the SQLScope's onWarning first.
   */
  onCommitError?: ErrorResponder;
  /**
   * The handler threw or rejected before any of the response left (node-http's `withScope` only; in
   * Express, errors go to the error middleware). The scope has already rolled back. Default: a
   * plain-text 503 for a pool timeout, 500 otherwise, and the error goes to the SQLScope's onWarning.
   */
  onError?: ErrorResponder;
  /**
   * The transaction intent of a request: "write" makes SQLite take its write lock at the request's
   * first statement (a read-await-write handler then cannot fail with SQLITE_BUSY_SNAPSHOT when
   * another request commits first), "read" keeps it deferred so reads run side by side. Default: by
   * method, "write" for POST, PUT, PATCH and DELETE, "read" for GET, HEAD, OPTIONS. A function decides
   * per request (per route). PostgreSQL and MySQL ignore it.
   */
  intent?: IntentOption<IncomingMessage>;
}

/** `attachScope` options: the responders, and for framework adapters the prototypes hooked once. */
export interface AttachOptions extends ScopeOptions {
  /** From `hookPrototypes()`: the framework moves this request and response onto these chains. */
  prototypes?: HookedPrototypes;
}
