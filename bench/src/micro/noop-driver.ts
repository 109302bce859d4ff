import { type QueryResult, type Row } from "@sqlscope/core";
import { quoteDouble, type Driver, type DriverConnection } from "@sqlscope/core/driver";

const RESULT: QueryResult = { rows: [{ one: 1 }], rowsAffected: 0, lastInsertId: undefined };

/** A connection that does nothing, as fast as a promise can: what is left to time is the machinery. */
export class NoopConnection implements DriverConnection<null> {
  readonly raw = null;
  readonly broken = false;
  protected open = false;
  async query(_sql: string, _params: readonly unknown[]): Promise<QueryResult> {
    return RESULT;
  }
  async *stream(): AsyncGenerator<Row> {
    yield { one: 1 };
  }
  async executeScript(): Promise<void> {}
  async begin(): Promise<void> {
    this.open = true;
  }
  async commit(): Promise<void> {
    this.open = false;
  }
  async rollback(): Promise<void> {
    this.open = false;
  }
  async savepoint(): Promise<void> {}
  async releaseSavepoint(): Promise<void> {}
  async rollbackToSavepoint(): Promise<void> {}
  async validate(): Promise<boolean> {
    return true;
  }
  inTransaction(): boolean {
    return this.open;
  }
  async close(): Promise<void> {}
}

/** The in-process fake driver of the micro-benchmark. */
export const noopDriver: Driver<null> = {
  name: "noop",
  dialect: { placeholder: "?", savepoints: true, quoteIdentifier: quoteDouble },
  connect: async () => new NoopConnection(),
  classifyError: () => ({ kind: "other", fatal: false }),
};

/** A NoopConnection with the synchronous fast paths of DriverConnection, as the SQLite driver has them. */
export class SyncNoopConnection extends NoopConnection {
  queryNow(_sql: string, _params: readonly unknown[]): QueryResult {
    return RESULT;
  }
  beginNow(): boolean {
    this.open = true;
    return true;
  }
  commitNow(): boolean {
    this.open = false;
    return true;
  }
  rollbackNow(): boolean {
    this.open = false;
    return true;
  }
}

/** The synchronous variant of noopDriver. */
export const syncNoopDriver: Driver<null> = {
  ...noopDriver,
  name: "noop-sync",
  connect: async () => new SyncNoopConnection(),
};
