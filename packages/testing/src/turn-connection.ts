import type { QueryResult, Row } from "@sqlscope/core";
import type { DriverConnection } from "@sqlscope/core/driver";
import { IsolationEndedError } from "./errors.ts";

/** What a turn reports to the key's shared connection. */
export interface TurnOwner {
  readonly key: string;
  /**
   * Throws when the test's transaction broke: nothing may run on the shared connection then. (A turn
   * that is running when the test ends may finish: rollback() waits for it.)
   */
  check(): void;
  /** The test's transaction can no longer be trusted (a savepoint could not be undone, the link broke). */
  poison(cause: unknown): void;
}

/**
 * One scope's view of the test's shared connection, for as long as that scope holds its turn. The
 * scope's transaction becomes a savepoint inside the test's transaction: begin/commit/rollback map to
 * SAVEPOINT / RELEASE / ROLLBACK TO, so a 2xx keeps the scope's rows for the rest of the test and a 500
 * undoes them, as COMMIT and ROLLBACK would in production. Statements outside a transaction (commit:
 * "manual") each get a savepoint of their own: in production they autocommit one by one, and on
 * PostgreSQL a failing one would otherwise abort the whole test transaction.
 */
export class TurnConnection implements DriverConnection {
  private readonly real: DriverConnection;
  private readonly owner: TurnOwner;
  /** The savepoint begin() opens; nested savepoints are prefixed with it so turns never share names. */
  private readonly name: string;
  private open = false;
  private spent = false;
  /** Autocommit-like statements run one at a time: interleaved savepoints would release each other. */
  private chain: Promise<unknown> = Promise.resolve();
  private running = 0;

  constructor(real: DriverConnection, name: string, owner: TurnOwner) {
    this.real = real;
    this.name = name;
    this.owner = owner;
  }

  get raw(): unknown {
    return this.real.raw;
  }

  get broken(): boolean {
    return this.real.broken;
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    return await this.statement(() => this.real.query(sql, params));
  }

  async queryMany(sql: string, paramSets: readonly (readonly unknown[])[]): Promise<{ rowsAffected: number }> {
    return await this.statement(async () => {
      if (this.real.queryMany !== undefined) return await this.real.queryMany(sql, paramSets);
      let rowsAffected = 0;
      for (const set of paramSets) rowsAffected += (await this.real.query(sql, set)).rowsAffected;
      return { rowsAffected };
    });
  }

  async executeScript(sql: string): Promise<void> {
    await this.statement(() => this.real.executeScript(sql));
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncGenerator<Row> {
    this.usable();
    if (this.open) {
      yield* this.real.stream(sql, params);
      return;
    }
    // The savepoint stays open while the caller iterates, so the turn's other statements wait for the stream.
    let done!: () => void;
    const previous = this.chain;
    this.chain = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      yield* this.autocommittedRows(this.real.stream(sql, params));
    } finally {
      done();
    }
  }

  async begin(): Promise<void> {
    this.usable();
    await this.real.savepoint(this.name);
    this.open = true;
  }

  async commit(): Promise<void> {
    this.usable();
    await this.real.releaseSavepoint(this.name);
    this.open = false;
  }

  async rollback(): Promise<void> {
    this.usable();
    await this.undo(this.name);
    this.open = false;
  }

  async savepoint(name: string): Promise<void> {
    this.usable();
    await this.real.savepoint(`${this.name}_${name}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    this.usable();
    await this.real.releaseSavepoint(`${this.name}_${name}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    this.usable();
    await this.real.rollbackToSavepoint(`${this.name}_${name}`);
  }

  async validate(): Promise<boolean> {
    return !this.spent && (await this.real.validate());
  }

  inTransaction(): boolean {
    return this.open;
  }

  /** The shared connection outlives every turn: closing it is the isolation's job. */
  async close(): Promise<void> {}

  /**
   * Ends the turn. A savepoint still open (a failed commit or rollback, a scope destroyed in an unknown
   * state) is undone; if that is impossible, or a statement is still running, the test's transaction is
   * poisoned. Never throws.
   */
  async finish(destroy: boolean): Promise<void> {
    if (this.spent) return;
    if (this.open) {
      try {
        await this.undo(this.name);
        this.open = false;
      } catch (error) {
        this.owner.poison(error);
      }
    }
    if (this.real.broken) this.owner.poison(new Error("the connection broke during the test"));
    else if (destroy && this.running > 0)
      this.owner.poison(new Error("a statement was still running when its scope ended"));
    this.spent = true;
  }

  /** Refuses every later call: the turn outlived its test. */
  kill(): void {
    this.spent = true;
  }

  private usable(): void {
    if (this.spent) throw new IsolationEndedError(this.owner.key);
    this.owner.check();
  }

  private async statement<T>(run: () => Promise<T>): Promise<T> {
    this.usable();
    this.running++;
    try {
      if (this.open) return await run();
      const result = this.chain.then(() => this.autocommitted(run));
      this.chain = result.catch(() => undefined);
      return await result;
    } finally {
      this.running--;
    }
  }

  private async autocommitted<T>(run: () => Promise<T>): Promise<T> {
    const name = `${this.name}_auto`;
    await this.real.savepoint(name);
    let result: T;
    try {
      result = await run();
    } catch (error) {
      await this.undo(name).catch((undoError: unknown) => this.owner.poison(undoError));
      throw error;
    }
    await this.real.releaseSavepoint(name);
    return result;
  }

  private async *autocommittedRows(rows: AsyncIterable<Row>): AsyncGenerator<Row> {
    const name = `${this.name}_auto`;
    await this.real.savepoint(name);
    this.running++;
    let failed = false;
    try {
      yield* rows;
    } catch (error) {
      failed = true;
      await this.undo(name).catch((undoError: unknown) => this.owner.poison(undoError));
      throw error;
    } finally {
      this.running--;
      // Also when the caller breaks out of its loop early: the rows it read stay, as in autocommit.
      if (!failed) await this.real.releaseSavepoint(name);
    }
  }

  // ROLLBACK TO keeps the savepoint on PostgreSQL and MySQL, and the sqlite driver already releases it:
  // releasing it here keeps the stack short, and a "no such savepoint" answer means it is already gone.
  private async undo(name: string): Promise<void> {
    await this.real.rollbackToSavepoint(name);
    await this.real.releaseSavepoint(name).catch(() => undefined);
  }
}
