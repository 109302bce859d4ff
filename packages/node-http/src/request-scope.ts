import type { IncomingMessage, ServerResponse } from "node:http";
import diagnostics from "node:diagnostics_channel";
import { CHANNELS, type FinishReport, type Scope, type SQLScope } from "@sqlscope/core";
import { bindRequestEvents } from "./bind-request.ts";
import { defaultResponder, sendPlainError, statusForError } from "./error-response.ts";
import { ResponseGate, type GateHooks, type Verdict } from "./response-gate.ts";
import type { ErrorResponder, ScopeOptions } from "./types.ts";

/** A failure outcome, whatever extra statuses the policy lists: an abort or a throw never commits. */
const FAILED = { success: false } as const;

// The same object core publishes on: one property read per request tells whether a tracer listens.
const finishChannel = diagnostics.channel(CHANNELS.scopeFinish);

/** One request's scope, wired to its response. What `withScope` and the Express middleware build on. */
export interface RequestScope {
  readonly scope: Scope;
  /** Runs fn (the handler, or Express's `next`) inside the scope. */
  run<T>(fn: () => T): T;
  /**
   * The handler threw or rejected: rolls back and releases, then answers with `onError` if nothing
   * was sent yet, or cuts the response short if its head already left. Never rejects.
   */
  fail(error: unknown): Promise<void>;
}

/**
 * Opens a scope for one request and ties its end to the response: the first time the head would
 * leave, the scope commits or rolls back by the status, and the head and body wait until it has.
 * A scope that holds no connection lets the response through at once. Throws AlreadyRegisteredError
 * when a scope of `db` is already open for this request.
 *
 * @example
 * const rs = attachScope(db, req, res);
 * rs.run(next); // Express-style: the rest of the chain runs inside the scope
 */
export function attachScope(db: SQLScope, req: IncomingMessage, res: ServerResponse, options: ScopeOptions = {}): RequestScope {
  const scope = db.createScope();
  const onCommitError: ErrorResponder = options.onCommitError ?? defaultResponder(db, 500);
  const onError: ErrorResponder = options.onError ?? defaultResponder(db);
  let clientGone = false;
  // Built only when the scope first gets work to settle (scope.onActive): a route that never touches a
  // database leaves the response and its listeners exactly as Node made them.
  let gate: ResponseGate | undefined;

  const settle = (status: number): Promise<Verdict> =>
    scope.finish({ status }).then((report: FinishReport): Verdict => (report.ok ? { ok: true } : { ok: false, error: report.error }));

  function reportFailure(report: FinishReport): void {
    if (report.error !== undefined) db.warn(report.error);
  }

  // Runs synchronously inside the first statement (or hook registration), before it can yield: if the
  // head has not left yet, the gate is in place before the handler can write it.
  function activate(): void {
    if (!res.writableFinished && (res.destroyed || req.socket?.destroyed === true)) {
      // The client left before the first statement: nothing of this request may commit.
      clientGone = true;
      void scope.finish(FAILED).then(reportFailure);
      return;
    }
    if (res.writableEnded) {
      // The response already ended: its status is the outcome, and the scope ends now (the statement
      // that activated it throws SessionClosedError, as it did once the response ended).
      void scope.finish({ status: res.statusCode }).then(reportFailure);
      return;
    }
    // When the head already left (headersSent, or held by another scope's gate), it cannot be held:
    // the gate starts streaming, holds only the end, and a failed commit can only cut the response.
    gate = new ResponseGate(res, gateHooks, res.headersSent);
    // 'close' without the response finishing: the client left (or the socket died) before it got the
    // answer. Whatever the handler does next, nothing of this request may commit.
    res.once("close", onClose);
  }

  function onClose(): void {
    if (res.writableFinished) return;
    clientGone = true;
    if (gate?.holding === true) return; // the outcome was decided when the head left; the settle already runs
    gate?.passThrough();
    void scope.finish(FAILED).then(reportFailure);
  }

  const gateHooks: GateHooks = {
    head: (status) => (scope.needsSettling ? settle(status) : undefined),
    end: (status) => {
      if (scope.needsSettling) return settle(status);
      void scope.finish({ status }); // nothing to settle: resolves at once, closes the sessions
      return undefined;
    },
    replace: async (error) => {
      try {
        await onCommitError(error, req, res);
      } catch (responderError) {
        db.warn(asError(responderError));
        if (!res.headersSent) sendPlainError(res, 500);
      }
    },
    lost: (error) => {
      if (!clientGone) db.warn(asError(error));
    },
  };

  // A tracer listening for scope ends (OpenTelemetry) must see every request's scope end, so the
  // scope is wired to its response at once; otherwise only when it first has work.
  if (finishChannel.hasSubscribers) activate();
  else scope.onActive = activate;

  bindRequestEvents(req, scope);

  return {
    scope,
    run: (fn) => scope.run(fn),
    fail: async (error) => {
      if (clientGone) {
        await scope.finish(FAILED);
        return;
      }
      if (!(gate?.headStarted ?? res.headersSent)) {
        gate?.passThrough();
        reportFailure(await scope.finish(FAILED));
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        try {
          await onError(error, req, res);
        } catch (responderError) {
          db.warn(asError(responderError));
        }
        if (!res.headersSent) sendPlainError(res, statusForError(error));
        else if (!res.writableEnded) res.end();
        return;
      }
      // The head already left (or is held with its status decided): the client must not mistake a
      // cut-off body for a complete one.
      db.warn(asError(error));
      const report = await scope.finish(FAILED);
      reportFailure(report);
      if (!res.writableEnded) res.destroy();
    },
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
