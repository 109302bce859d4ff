import { currentScope } from "@sqlscope/core";
import type { RequestHandler } from "express";
import type { Logger } from "pino";

/**
 * Logs one line per request with what its scope did: keys opened, statements, pool wait, hold time,
 * commit or rollback, next to the HTTP status. Mount it right after `sqlscope(db)`.
 *
 * @example
 * app.use(sqlscope(db), logScopes(logger));
 */
export function logScopes(logger: Logger): RequestHandler {
  return (req, res, next) => {
    // Captured here, inside the scope: the 'close' listener runs in the socket's context, not the request's.
    const scope = currentScope();
    const started = performance.now();
    res.once("close", () => {
      const figures = scope?.figures;
      const line = {
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        aborted: !res.writableFinished,
        ms: round(performance.now() - started),
        db:
          figures === undefined
            ? undefined
            : {
                keys: figures.keys,
                statements: figures.statements,
                result: figures.result,
                ok: figures.ok,
                acquireWaitMs: round(figures.acquireWaitMs),
                holdMs: round(figures.holdMs),
              },
      };
      // A commit that failed (ok: false) or a 5xx is worth a look; the rest is routine.
      if (figures?.ok === false || res.statusCode >= 500) logger.warn(line, "request");
      else logger.info(line, "request");
    });
    next();
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
