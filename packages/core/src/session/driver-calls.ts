// What a session asks of the driver beyond running statements: what its errors mean, and a read-only BEGIN.
import type { Database } from "../database.ts";
import type { DriverConnection } from "../driver.ts";
import {
  ConnectionError,
  ConstraintError,
  QueryError,
  ReadOnlyError,
  SerializationError,
  SQLScopeError,
  UnsupportedError,
} from "../errors.ts";

/**
 * A driver's error as the sqlscope error users match on, by the driver's own classification; `fatal`
 * says the connection can no longer be trusted (its state is unknown: destroy it, never return it).
 */
export function mapError(database: Database, error: unknown, sql: string): { error: unknown; fatal: boolean } {
  if (error instanceof SQLScopeError) return { error, fatal: false };
  const cls = database.driver.classifyError(error);
  const key = database.key;
  switch (cls.kind) {
    case "serialization": {
      const message = (error as Error)?.message ?? String(error);
      // A driver that knows why (SQLite's failed upgrade) says what to do instead of the generic "re-run it".
      const mapped =
        cls.advice === undefined
          ? new SerializationError(`"${key}" hit a serialization failure or conflict: ${message}.`, error)
          : new SerializationError(`"${key}": ${message}`, error, cls.advice);
      return { error: mapped, fatal: cls.fatal };
    }
    case "connection":
      return { error: new ConnectionError(key, error), fatal: cls.fatal };
    case "constraint":
      return { error: new ConstraintError(sql, error, cls.constraint ?? "other", cls.details), fatal: cls.fatal };
    case "read_only":
      return { error: new ReadOnlyError(key, database.replicaOf, error), fatal: cls.fatal };
    default:
      return { error: new QueryError(sql, error), fatal: cls.fatal };
  }
}

// A driver that claims read-only transactions but cannot begin one must not begin a writable one.
export function beginReadOnly(conn: DriverConnection): Promise<void> {
  if (conn.beginReadOnly === undefined)
    throw new UnsupportedError("The driver's connections cannot begin a read-only transaction.");
  return conn.beginReadOnly();
}
