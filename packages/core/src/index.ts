export { SQLScope, type SQLScopeOptions, type AddOptions, type RunInScopeOptions } from "./sqlscope.ts";
export { getSession, tryGetSession, runInScope } from "./context.ts";
export { Scope, currentScope, type FinishReport, type ScopeState } from "./scope.ts";
export { Session, type Query, type SettleResult } from "./session.ts";
export { decide, makePolicy, COMMIT_MODES, type CommitMode, type CommitPolicy, type Outcome, type Decision } from "./policy.ts";
export { sql, isSql, compileFragment, quoteDouble, quoteBacktick, type Sql, type SqlIdentifier, type SqlDialect } from "./sql.ts";
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
  isRetryable,
  type ConstraintKind,
} from "./errors.ts";
