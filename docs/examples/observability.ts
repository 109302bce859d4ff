import diagnostics from "node:diagnostics_channel";
import { CHANNELS, currentScope, type QueryMessage, type ScopeFigures } from "@sqlscope/core";
import { instrumentSqlscope } from "@sqlscope/otel";
import type { RequestHandler } from "express";

/** Reports statements slower than `thresholdMs`. Returns a function that stops it. */
export function logSlowQueries(thresholdMs: number, report: (message: string) => void): () => void {
  const onQuery = (message: unknown) => {
    const q = message as QueryMessage;
    if (q.durationMs >= thresholdMs) report(`${q.key} (${q.driver}) ${q.durationMs.toFixed(1)} ms: ${q.sql}`);
  };
  diagnostics.subscribe(CHANNELS.query, onQuery);
  return () => diagnostics.unsubscribe(CHANNELS.query, onQuery);
}

/** Express: mount after sqlscope(db); hands each request's figures to `log` next to its status. */
export function scopeFigures(log: (status: number, figures: ScopeFigures) => void): RequestHandler {
  return (_req, res, next) => {
    const scope = currentScope(); // captured inside the scope; the 'finish' listener runs outside it
    res.on("finish", () => {
      if (scope !== undefined) log(res.statusCode, scope.figures);
    });
    next();
  };
}

/** OpenTelemetry: spans for scopes, statements, pool waits, commits (after your SDK set-up). */
export const tracing = () => instrumentSqlscope({ queryText: true });
