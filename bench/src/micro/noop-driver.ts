import { quoteDouble, type Driver, type DriverConnection, type QueryResult, type Row } from "@sqlscope/core";

const RESULT: QueryResult = { rows: [{ one: 1 }], rowsAffected: 0, lastInsertId: undefined };

/** A connection that does nothing, as fast as a promise can: what is left to time is the machinery. */
export class NoopConnection implements DriverConnection<null> {
  readonly raw = null;
  readonly broken = false;
  private open = false;
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
