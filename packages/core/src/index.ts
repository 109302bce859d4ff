export { SQLScope, type SQLScopeOptions, type AddOptions, type RunInScopeOptions } from "./sqlscope.ts";
export { getSession, getReadSession, tryGetSession, runInScope, afterCommit, afterRollback } from "./context.ts";
export { ReadOnlyError, type ReplicaOptions } from "./replicas.ts";
export { ShutdownError, type CloseOptions, type CloseReport } from "./shutdown.ts";
export type { Hook } from "./hooks.ts";
export { isRetryableFailure, type RetryOptions } from "./retry.ts";
export { isSchema, type StandardSchema, type StandardSchemaProps, type StandardResult, type InferOutput } from "./schema.ts";
export type { ScopeFigures, SettledResult } from "./figures.ts";
export {
  CHANNELS,
  type ScopeStartMessage,
  type ScopeFinishMessage,
  type AcquireMessage,
  type QueryMessage,
  type TransactionMessage,
  type ReleaseMessage,
  type RetryMessage,
} from "./diagnostics.ts";
export { Scope, currentScope, type FinishReport, type ScopeState } from "./scope.ts";
export { Session, type Query, type SettleResult } from "./session.ts";
export { decide, makePolicy, COMMIT_MODES, type CommitMode, type CommitPolicy, type Outcome, type Decision } from "./policy.ts";
export { sql, isSql, compileFragment, quoteDouble, quoteBacktick, type Sql, type SqlIdentifier, type SqlDialect } from "./sql.ts";
export { nativeSql, type NativeSql } from "./native.ts";
export { compileSql, bindParams, type Params, type PlaceholderStyle, type CompiledSql } from "./placeholders.ts";
export { ConnectionPool, DEFAULT_POOL_OPTIONS, LeakWarning, type PoolOptions, type PoolStats, type Lease } from "./pool.ts";
export type { Driver, DriverConnection, Dialect, ErrorClass, QueryResult, Row } from "./driver.ts";
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
  isRetryable,
  type ValidationIssue,
  type ConstraintKind,
  type ConstraintDetails,
} from "./errors.ts";
