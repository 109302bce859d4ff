import type { QueryResult, Row } from "../driver.ts";
import { NotFoundError } from "../errors.ts";
import type { Hook } from "../hooks.ts";
import type { Params } from "../placeholders.ts";
import { isSchema, validateOne, validateRows, type InferOutput, type StandardSchema } from "../schema.ts";
import type { ConnectionSlot } from "./connection-slot.ts";
import { splitArgs, textOf, type Query } from "./shape.ts";
import { executeMany, executeScript, rawConnection, run, stream, withConnection } from "./statements.ts";
import { begin, endManual, transaction } from "./transactions.ts";

/**
 * A scope's handle on one database. Created lazily by getSession(); takes a connection only when the
 * first statement runs, and in autocommit modes begins the scope's transaction then. The scope ends
 * it: its lifecycle is not the caller's to drive.
 *
 * @example
 * const s = getSession();
 * const { lastInsertId } = await s.execute("INSERT INTO users (email) VALUES (?)", [email]);
 * const user = await s.selectOne<User>("SELECT * FROM users WHERE id = :id", { id: lastInsertId });
 */
export class Session {
  readonly key: string;
  readonly #slot: ConnectionSlot;

  /** @internal Sessions are made by their scope (getSession()), never by hand. */
  constructor(slot: ConnectionSlot) {
    this.#slot = slot;
    this.key = slot.key;
  }

  /** True when a transaction (or savepoint) is open on this session. @example if (!s.inTransaction) await s.begin(); */
  get inTransaction(): boolean {
    return this.#slot.depth > 0;
  }

  /** True after the scope finished: every method throws SessionClosedError. @example if (s.isClosed) return; */
  get isClosed(): boolean {
    return !this.#slot.accepting;
  }

  // Not async, and select*/selectOne* without a schema neither: the statement's own promise is the one
  // the caller gets (see docs/architecture.md on the hot path).

  /**
   * Runs one statement. Returns affected rows, the generated id where the driver reports one, and rows
   * (for RETURNING).
   *
   * @example
   * await getSession().execute("UPDATE users SET name = :name WHERE id = :id", { id, name });
   */
  execute<R = Row>(query: Query, params?: Params): Promise<QueryResult<R>> {
    return run(this.#slot, query, params, "result") as Promise<QueryResult<R>>;
  }

  /**
   * All rows of a query. Given a Standard Schema validator (zod, valibot, arktype, ...) first, every
   * row is validated and the schema's output returned; a row that does not match throws RowValidationError.
   *
   * @example
   * const users = await s.select<User>("SELECT * FROM users");
   * const typed = await s.select(z.object({ id: z.number(), email: z.string() }), "SELECT id, email FROM users");
   */
  select<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>[]>;
  select<R = Row>(query: Query, params?: Params): Promise<R[]>;
  select(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown[]> {
    // Strings first: the untyped path pays one typeof check.
    if (typeof first === "string" || !isSchema(first))
      return run(this.#slot, first, second as Params | undefined, "rows") as Promise<unknown[]>;
    return this.selectValidated(first, second as Query, third);
  }

  private async selectValidated(schema: StandardSchema, query: Query, params: Params | undefined): Promise<unknown[]> {
    return validateRows(schema, (await run(this.#slot, query, params, "rows")) as Row[], textOf(query));
  }

  /**
   * Exactly one row: NotFoundError when none, MultipleRowsError when several. Takes a schema first, like select().
   *
   * @example
   * const user = await s.selectOne<User>("SELECT * FROM users WHERE id = ?", [id]); // NotFoundError -> 404
   */
  selectOne<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>>;
  selectOne<R = Row>(query: Query, params?: Params): Promise<R>;
  selectOne(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    if (typeof first === "string" || !isSchema(first))
      return run(this.#slot, first, second as Params | undefined, "one");
    return this.selectOneValidated(first, second as Query, third);
  }

  private async selectOneValidated(schema: StandardSchema, query: Query, params: Params | undefined): Promise<unknown> {
    return validateOne(schema, await run(this.#slot, query, params, "one"), textOf(query));
  }

  /**
   * One row or null: MultipleRowsError when several. Takes a schema first, like select() (null is not validated).
   *
   * @example
   * const user = await s.selectOneOrNull<User>("SELECT * FROM users WHERE email = ?", [email]);
   */
  selectOneOrNull<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S> | null>;
  selectOneOrNull<R = Row>(query: Query, params?: Params): Promise<R | null>;
  selectOneOrNull(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    if (typeof first === "string" || !isSchema(first))
      return run(this.#slot, first, second as Params | undefined, "oneOrNull");
    return this.selectOneOrNullValidated(first, second as Query, third);
  }

  private async selectOneOrNullValidated(
    schema: StandardSchema,
    query: Query,
    params: Params | undefined,
  ): Promise<unknown> {
    const row = await run(this.#slot, query, params, "oneOrNull");
    return row === null ? null : validateOne(schema, row, textOf(query));
  }

  /**
   * The first column of the one row. With a schema first, the value is validated by it.
   *
   * @example
   * const n = await s.selectValue<number>("SELECT count(*) FROM users");
   * const m = await s.selectValue(z.coerce.number(), "SELECT count(*) FROM users"); // pg returns count as a string
   */
  selectValue<S extends StandardSchema>(schema: S, query: Query, params?: Params): Promise<InferOutput<S>>;
  selectValue<V = unknown>(query: Query, params?: Params): Promise<V>;
  async selectValue(first: Query | StandardSchema, second?: Query | Params, third?: Params): Promise<unknown> {
    const [schema, query, params] = splitArgs(first, second, third);
    const row = (await run(this.#slot, query, params, "one")) as Row;
    for (const column in row)
      return schema === undefined ? row[column] : validateOne(schema, row[column], textOf(query));
    throw new NotFoundError(textOf(query));
  }

  /**
   * The same statement once per parameter set, on one connection, in order.
   *
   * @example
   * await s.executeMany("INSERT INTO tags (name) VALUES (?)", [["a"], ["b"]]);
   */
  executeMany(query: string, paramSets: readonly Params[]): Promise<{ rowsAffected: number }> {
    return executeMany(this.#slot, query, paramSets);
  }

  /**
   * Several statements separated by semicolons (schema set-up, migrations). No parameters: trusted
   * text only, never user input.
   *
   * @example
   * await s.executeScript("CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER);");
   */
  executeScript(script: string): Promise<void> {
    return executeScript(this.#slot, script);
  }

  /**
   * Rows one at a time, without loading the whole result. Finish (or break out of) the loop before
   * the scope ends; other statements on this session wait for it (they are refused meanwhile).
   *
   * @example
   * for await (const row of getSession().stream("SELECT * FROM events")) write(row);
   */
  stream<R = Row>(query: Query, params?: Params): AsyncGenerator<R> {
    return stream<R>(this.#slot, query, params);
  }

  /**
   * The driver's own connection (pg Client, better-sqlite3 Database, ...) inside this scope's transaction.
   *
   * @example
   * const client = await getSession().connection<pg.PoolClient>();
   */
  connection<Raw = unknown>(): Promise<Raw> {
    return rawConnection(this.#slot) as Promise<Raw>;
  }

  /**
   * One statement through the driver library's own API, on this session's connection and inside its
   * transaction, for integrations that must call the driver as their own driver would (rows as arrays,
   * their own type parsers: @sqlscope/drizzle). Counted, reported, error-mapped and waited for at the end
   * of the scope like any statement; `sql` is its text for events, errors and the driver's locking
   * (SQLite takes its write gate for a writing statement first).
   *
   * @example
   * const res = await s.withConnection("SELECT 1", (client: pg.Client) => client.query({ text: "SELECT 1", rowMode: "array" }));
   */
  withConnection<T, Raw = unknown>(sql: string, fn: (raw: Raw) => T | Promise<T>): Promise<T> {
    return withConnection(this.#slot, sql, fn as (raw: unknown) => T | Promise<T>);
  }

  /**
   * Manual mode: begins a transaction. In autocommit modes the scope already runs one; use transaction(fn).
   *
   * @example
   * await s.begin(); await s.execute("UPDATE ..."); await s.commit();
   */
  begin(): Promise<void> {
    return begin(this.#slot);
  }

  /** Manual mode: commits the transaction begin() opened. @example await s.commit(); */
  commit(): Promise<void> {
    return endManual(this.#slot, "commit");
  }

  /** Manual mode: rolls back the transaction begin() opened. @example await s.rollback(); */
  rollback(): Promise<void> {
    return endManual(this.#slot, "rollback");
  }

  /**
   * Runs fn in a transaction: commits when it resolves, rolls back when it throws (and rethrows).
   * Inside another transaction (including the scope's own in autocommit modes) it is a savepoint, so a
   * failure undoes only fn's work.
   *
   * @example
   * await s.transaction(async () => {
   *   await s.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [amount, from]);
   *   await s.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", [amount, to]);
   * });
   */
  transaction<T>(fn: (session: Session) => Promise<T> | T): Promise<T> {
    return transaction(this.#slot, this, fn);
  }

  /** Registers fn to run after this session's scope committed. Same as the free afterCommit(fn). @example s.afterCommit(() => mail(user)); */
  afterCommit(fn: Hook): void {
    this.#slot.host.afterCommit(fn);
  }

  /** Registers fn to run after this session's scope rolled back. Same as the free afterRollback(fn). @example s.afterRollback(() => undo()); */
  afterRollback(fn: Hook): void {
    this.#slot.host.afterRollback(fn);
  }
}
