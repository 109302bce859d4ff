/**
 * `@sqlscope/core/driver`: what a driver author needs. A driver is a factory returning a `Driver`
 * (name, dialect, connect, classifyError); its connections implement `DriverConnection`, and the core
 * owns the transaction sequence. Copy packages/sqlite for the file shape, and run the shared suite
 * from `@sqlscope/core/testing` (`runDriverConformance`) against a real database.
 *
 * @example
 * import type { Driver, DriverConnection } from "@sqlscope/core/driver";
 * export function mydb(options: MyOptions): Driver<MyClient> {
 *   return { name: "mydb", dialect, connect: () => openConnection(options), classifyError };
 * }
 *
 * @module
 */
export type { Driver, DriverConnection, Dialect, ErrorClass, QueryResult, Row, TransactionIntent } from "../driver.ts";
export type { PoolOptions } from "../pool/options.ts";
export { quoteDouble, quoteBacktick, type SqlDialect } from "../sql.ts";
export { compileSql, type CompiledSql, type PlaceholderStyle } from "../placeholders.ts";
export { forEachCode, skipNonCode, MYSQL_RULES, STANDARD_RULES, type LexRules } from "../sql-lexer.ts";
export { TextCache } from "../text-cache.ts";
export {
  SQLScopeError,
  ConfigError,
  ConnectionError,
  ConstraintError,
  ParameterError,
  QueryError,
  SerializationError,
  TransactionError,
  UnsupportedError,
  type ConstraintKind,
  type ConstraintDetails,
} from "../errors.ts";
