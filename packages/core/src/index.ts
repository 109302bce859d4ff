/**
 * `@sqlscope/core`: the app's face. A `SQLScope` registers databases; every request, job or script
 * runs in a scope where `getSession()` finds its session; the scope commits or rolls back by policy
 * and always returns its connections. Driver authors import from `@sqlscope/core/driver`, adapter
 * authors from `@sqlscope/core/adapter`, test suites from `@sqlscope/core/testing`.
 *
 * @example
 * import { SQLScope, getSession } from "@sqlscope/core";
 * export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
 * await db.runInScope(() => getSession().execute("INSERT INTO jobs (name) VALUES (?)", ["nightly"]));
 *
 * @module
 */
export { SQLScope, type SQLScopeOptions, type AddOptions, type RunInScopeOptions } from "./sqlscope.ts";
export type { TransactionIntent } from "./driver.ts";
export { methodIntent } from "./adapter/intent.ts";
export {
  getSession,
  getReadSession,
  tryGetSession,
  runInScope,
  afterCommit,
  afterRollback,
  currentScopeView as currentScope,
} from "./context.ts";
export type { Session } from "./session/session.ts";
export type { Query } from "./session/shape.ts";
export type { Params } from "./placeholders.ts";
export type { QueryResult, Row } from "./driver.ts";
export { sql, type Sql, type SqlIdentifier } from "./sql.ts";
export { nativeSql, type NativeSql } from "./native.ts";
export type { CommitMode } from "./policy.ts";
export type { ReplicaOptions } from "./replicas.ts";
export type { PoolOptions } from "./pool/options.ts";
export type { PoolStats } from "./connection-source.ts";
export type { CloseOptions, CloseReport } from "./shutdown.ts";
export type { Hook } from "./hooks.ts";
export { isRetryableFailure, type RetryOptions } from "./retry.ts";
export type { StandardSchema, InferOutput } from "./schema.ts";
export type { Outcome, ScopeFigures, ScopeResult, ScopeView } from "./outcome.ts";
export { CHANNELS } from "./channels.ts";
export type {
  ScopeStartMessage,
  ScopeFinishMessage,
  AcquireMessage,
  QueryMessage,
  TransactionMessage,
  ReleaseMessage,
  RetryMessage,
} from "./diagnostics.ts";
export { LeakWarning } from "./pool/leaks.ts";
export {
  SQLScopeError,
  NoScopeError,
  UnknownKeyError,
  DuplicateKeyError,
  ConfigError,
  AlreadyRegisteredError,
  SessionClosedError,
  NotFoundError,
  MultipleRowsError,
  PoolTimeoutError,
  CommitFailedError,
  SerializationError,
  ParameterError,
  QueryError,
  ConstraintError,
  ConnectionError,
  TransactionError,
  UnsupportedError,
  SecondConnectionError,
  RowValidationError,
  HookError,
  ReadOnlyError,
  ShutdownError,
  type ValidationIssue,
  type ConstraintKind,
  type ConstraintDetails,
} from "./errors.ts";

/** @deprecated Renamed ScopeResult (what a whole scope's transactions came to); this alias goes in the next minor. */
export type SettledResult = import("./outcome.ts").ScopeResult;
