import type { IncomingMessage, ServerResponse } from "node:http";
import type { FinishReport } from "../outcome.ts";
import type { Scope } from "../scope.ts";
import { FAILED } from "./end-scope.ts";

/** What client-gone detection reads of a request and its node:http response. */
export type ClientRequestLike = Pick<IncomingMessage, "socket">;
export type ClientResponseLike = Pick<ServerResponse, "writableFinished" | "destroyed" | "once">;

/**
 * True when the client disconnected (or the socket died) before the response was complete: nobody
 * will see a success, so nothing of the request may commit.
 *
 * @example
 * endScope(scope, clientGone(req, res) ? FAILED : { status: res.statusCode });
 */
export function clientGone(req: ClientRequestLike, res: ClientResponseLike): boolean {
  return !res.writableFinished && (res.destroyed || req.socket?.destroyed === true);
}

/**
 * Rolls the scope back and gives its connections back (on SQLite, the write gate too) as soon as the
 * client disconnects before the response finished, without waiting for the handler; the handler's
 * later statements throw SessionClosedError. The watch starts when the scope first gets work, so a
 * request that never queries adds no listener. `ended` gets the report (to pass its error to
 * onWarning). Chains to an `onActive` already set.
 *
 * @example
 * const scope = db.createScope();
 * endWhenClientGone(scope, ctx.req, ctx.res, (report) => report.error && reportWarning(db, report.error));
 */
export function endWhenClientGone(
  scope: Scope,
  req: ClientRequestLike,
  res: ClientResponseLike,
  ended: (report: FinishReport) => void,
): void {
  const before = scope.onActive;
  scope.onActive = () => {
    before?.();
    if (scope.state !== "open") return;
    const end = (): void => {
      if (scope.state === "open") void scope.finish(FAILED).then(ended);
    };
    // The client may have left before the first statement: then nothing of it may run.
    if (clientGone(req, res)) end();
    else
      res.once("close", () => {
        if (!res.writableFinished) end();
      });
  };
}
