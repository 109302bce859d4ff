/**
 * `@sqlscope/core/adapter`: what a framework adapter author needs. An adapter opens one scope per
 * request with `db.createScope()`, runs the handler inside it with `scope.run(fn)`, and ends it once
 * with the request's outcome (`scope.finish({ status })`), before the response leaves; a report with
 * `ok: false` means a commit failed and the client must get a 5xx.
 *
 * @example
 * import type { Scope } from "@sqlscope/core/adapter";
 * const scope = db.createScope();
 * await scope.run(() => next());
 * const report = await scope.finish({ status: ctx.status });
 * if (!report.ok) ctx.status = 500;
 *
 * @module
 */
export { Scope, currentScope, type FinishReport, type ScopeState } from "../scope.ts";
export type { Outcome } from "../policy.ts";
export type { ScopeFigures, SettledResult } from "../figures.ts";
export { PoolTimeoutError, SQLScopeError, AlreadyRegisteredError } from "../errors.ts";
