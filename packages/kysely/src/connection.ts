import { nativeSql, TransactionError, type QueryResult as SessionResult, type Session } from "@sqlscope/core";
import type { CompiledQuery, DatabaseConnection, QueryResult } from "kysely";
import { openTransaction, type OpenTransaction } from "./open-transaction.ts";

/** What a write statement reports; selects (and raw SQL returning rows) report rows only, as Kysely's own drivers do. */
const WRITES = new Set(["InsertQueryNode", "UpdateQueryNode", "DeleteQueryNode", "MergeQueryNode"]);

/**
 * Kysely's view of the request's session: one per acquireConnection(), cheap, holding no connection of
 * its own. Statements go to the session as they were compiled, so Kysely's `$1`/`?` are never re-parsed.
 */
export class ScopedConnection implements DatabaseConnection {
  readonly session: Session;
  /** The open transaction (index 0) and the named savepoints of a controlled transaction above it. */
  private readonly stack: { name: string | undefined; tx: OpenTransaction }[] = [];

  constructor(session: Session) {
    this.session = session;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.session
      .execute<R>(nativeSql(compiled.sql, compiled.parameters))
      .then((result) => toKysely(result, compiled));
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    let rows: R[] = [];
    for await (const row of this.session.stream<R>(nativeSql(compiled.sql, compiled.parameters))) {
      rows.push(row);
      if (rows.length >= chunkSize) {
        yield { rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { rows };
  }

  async begin(): Promise<void> {
    this.stack.push({ name: undefined, tx: await openTransaction(this.session) });
  }

  async commit(): Promise<void> {
    await this.settleFrom(0, "commit");
  }

  async rollback(): Promise<void> {
    await this.settleFrom(0, "rollback");
  }

  async savepoint(name: string): Promise<void> {
    if (this.stack.length === 0)
      throw new TransactionError(`savepoint("${name}") needs an open transaction: call db.startTransaction() first.`);
    this.stack.push({ name, tx: await openTransaction(this.session) });
  }

  /** Like ROLLBACK TO: undoes the work since `name` (and drops the savepoints above it); `name` stays usable. */
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.settleFrom(this.find(name), "rollback");
    this.stack.push({ name, tx: await openTransaction(this.session) });
  }

  /** Like RELEASE: keeps the work since `name` in the enclosing transaction and forgets `name` (and those above). */
  async releaseSavepoint(name: string): Promise<void> {
    await this.settleFrom(this.find(name), "commit");
  }

  private find(name: string): number {
    for (let i = this.stack.length - 1; i > 0; i--) if (this.stack[i]?.name === name) return i;
    throw new TransactionError(`No savepoint named "${name}" is open in this transaction.`);
  }

  /** Ends the savepoints above `index`, innermost first (the session nests them), then the one at `index`. */
  private async settleFrom(index: number, action: "commit" | "rollback"): Promise<void> {
    while (this.stack.length > index) {
      const top = this.stack.pop();
      if (top !== undefined) await (action === "commit" ? top.tx.commit() : top.tx.rollback());
    }
  }
}

function toKysely<R>(result: SessionResult<R>, compiled: CompiledQuery): QueryResult<R> {
  if (!WRITES.has(compiled.query.kind)) return { rows: result.rows };
  const id = result.lastInsertId;
  return id === undefined
    ? { rows: result.rows, numAffectedRows: BigInt(result.rowsAffected) }
    : { rows: result.rows, numAffectedRows: BigInt(result.rowsAffected), insertId: BigInt(id) };
}
