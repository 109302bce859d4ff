/**
 * `@sqlscope/core/adapter`: what a framework adapter author needs. An adapter opens one scope per
 * request with `db.createScope()` (or passes through when `joinedScope(db)` finds the request already
 * in one: a nested mount), runs the handler inside it with `scope.run(fn)`, and ends it once with the
 * request's outcome (`endScope(scope, { status })`) before the response leaves; a report with
 * `ok: false` means a commit failed and the client must get a 5xx. `statusForError` maps a failure to
 * its status (503 for a pool timeout, by error code), `genericErrorBody` is what a default error
 * response may say, `mappedError` is what an adapter's `sqlscopeErrors()` answers (404, 409, 422,
 * 503, ...), `endWhenClientGone` rolls back when the client leaves, `reportWarning` reports through
 * the SQLScope's onWarning, `requestIntent` is the transaction intent of a request ("write" for
 * POST/PUT/PATCH/DELETE, "read" otherwise, or the adapter's `intent` option).
 *
 * @example
 * import { endScope, failedOutcome, joinedScope } from "@sqlscope/core/adapter";
 * if (joinedScope(db) !== undefined) return next();
 * const scope = db.createScope();
 * try { await scope.run(next); } catch (error) { await endScope(scope, failedOutcome(error)); throw error; }
 * const ended = endScope(scope, { status: ctx.status });
 * const report = ended instanceof Promise ? await ended : ended;
 * if (!report.ok) ctx.status = 500;
 *
 * @module
 */
export { Scope, currentScope } from "../scope.ts";
export type { FinishReport, Outcome, ScopeFigures, ScopeResult, ScopeState, SessionResult } from "../outcome.ts";
export { PoolTimeoutError, SQLScopeError, AlreadyRegisteredError } from "../errors.ts";
export { endScope, failedOutcome, joinedScope, FAILED } from "./end-scope.ts";
export { statusForError, ownErrorStatus, isSQLScopeError, isPoolTimeout, genericErrorBody } from "./status.ts";
export { clientGone, endWhenClientGone, type ClientRequestLike, type ClientResponseLike } from "./client-gone.ts";
export { keepServerError } from "./server-error.ts";
export { reportWarning, driverOf } from "./registry-access.ts";
export { mappedError, type MappedError } from "./error-response.ts";
export { methodIntent, requestIntent, type IntentOption } from "./intent.ts";
export type { TransactionIntent } from "../driver.ts";
