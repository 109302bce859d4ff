import { UnsupportedError, type SQLScope } from "@sqlscope/core";
import type { DatabaseConnection, Driver, TransactionSettings } from "kysely";
import { ScopedConnection } from "./connection.ts";
import { sessionFor } from "./session-for.ts";

/**
 * A Kysely Driver whose connections are the current scope's session of one key. It owns no pool: the
 * SQLScope does, and `db.close()` (not `kysely.destroy()`) drains it.
 */
export class SQLScopeDriver implements Driver {
  private readonly db: SQLScope;
  private readonly key: string;

  constructor(db: SQLScope, key: string) {
    this.db = db;
    this.key = key;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ScopedConnection(sessionFor(this.db, this.key));
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) {
      throw new UnsupportedError(
        "setIsolationLevel()/setAccessMode() cannot apply inside a sqlscope scope: there the transaction is the scope's own " +
          "(or a savepoint of it), begun at its first statement. On PostgreSQL run SET TRANSACTION ISOLATION LEVEL ... as the " +
          "scope's first statement, or run the work in a scope of its own (db.runInScope) that starts with it.",
      );
    }
    await (connection as ScopedConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as ScopedConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as ScopedConnection).rollback();
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ScopedConnection).savepoint(name);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ScopedConnection).rollbackToSavepoint(name);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ScopedConnection).releaseSavepoint(name);
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}
