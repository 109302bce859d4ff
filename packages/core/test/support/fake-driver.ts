import type { Dialect, Driver, DriverConnection, ErrorClass, QueryResult, Row } from "../../src/driver.ts";
import type { PoolOptions } from "../../src/pool/options.ts";
import { quoteDouble } from "../../src/sql.ts";

/**
 * An in-process driver for unit tests of core logic: it runs no SQL, records every call per
 * connection, and fails on command. Tests of real behaviour use the real drivers.
 *
 * @example
 * const driver = new FakeDriver();
 * driver.failOn("commit", { how: "reject" });
 * const db = new SQLScope().add(driver, { commit: "autocommit" });
 * // ... then inspect driver.connections[0].calls
 */

/** Operations a FakeConnection records (and `connect`, recorded on the driver). */
export type FakeOp =
  | "connect"
  | "query"
  | "queryMany"
  | "stream"
  | "executeScript"
  | "begin"
  | "beginReadOnly"
  | "commit"
  | "rollback"
  | "savepoint"
  | "releaseSavepoint"
  | "rollbackToSavepoint"
  | "validate"
  | "reset"
  | "close";

export interface FakeCall {
  readonly op: FakeOp;
  readonly sql?: string;
  readonly params?: readonly unknown[];
  /** Savepoint name for the savepoint operations. */
  readonly name?: string;
  /** Process-wide order of the call, to compare calls across connections and drivers. */
  readonly seq?: number;
}

let sequence = 0;

/**
 * How an operation misbehaves. `reject` throws `error` (a FakeDbError by default); `hang` never settles
 * until `releaseHangs()`; `delay` succeeds after `ms`; `false` makes validate() resolve false.
 */
export interface FailRule {
  how: "reject" | "hang" | "delay" | "false";
  error?: unknown;
  ms?: number;
  /** Only statements whose SQL contains this (query/queryMany/stream/executeScript). */
  match?: string | RegExp;
  /** How many calls the rule applies to; unlimited when omitted. */
  times?: number;
  /** Only this connection (by id). */
  connection?: number;
}

/** An error a fake statement throws. `kind`/`fatal` drive classifyError like a real driver's codes. */
export class FakeDbError extends Error {
  readonly kind: ErrorClass["kind"];
  readonly fatal: boolean;
  readonly code: string;
  constructor(message: string, options: { kind?: ErrorClass["kind"]; fatal?: boolean; code?: string } = {}) {
    super(message);
    this.name = "FakeDbError";
    this.kind = options.kind ?? "other";
    this.fatal = options.fatal ?? false;
    this.code = options.code ?? "FAKE";
  }
}

export interface FakeDriverOptions {
  placeholder?: "?" | "$";
  savepoints?: boolean;
  /** Whether connections implement inTransaction() (pg does, others may not). Default true. */
  reportsTransaction?: boolean;
  /** Whether connections implement reset() (MySQL's reset on release). Default false. */
  resets?: boolean;
  pool?: Partial<PoolOptions>;
  /** Produces the result of query(); default: no rows. */
  respond?: (sql: string, params: readonly unknown[], conn: FakeConnection) => Row[] | QueryResult;
  /** The dialect says readOnlyTransactions (connections always implement beginReadOnly). Default false. */
  readOnlyTransactions?: boolean;
  /**
   * Connections also implement the synchronous fast paths (queryNow, beginNow, commitNow,
   * rollbackNow), as the SQLite driver does. A call with a `hang` or `delay` rule declines (records
   * nothing), so the core falls back to the async method. Default false.
   */
  synchronous?: boolean;
}

interface ActiveRule extends FailRule {
  op: FakeOp;
}

/** One fake physical connection: its calls in order and its transaction state. */
export class FakeConnection implements DriverConnection<FakeConnection> {
  readonly id: number;
  readonly calls: FakeCall[] = [];
  closed = false;
  broken = false;
  /** What the "server" thinks: true between a successful begin and commit/rollback. */
  transactionOpen = false;
  private readonly driver: FakeDriver;

  constructor(driver: FakeDriver, id: number) {
    this.driver = driver;
    this.id = id;
  }

  get raw(): FakeConnection {
    return this;
  }

  /** Marks the connection unusable, as a socket error would. */
  breakIt(): void {
    this.broken = true;
  }

  /** The recorded operations only, e.g. ["begin", "query", "commit", "close"]. */
  ops(): FakeOp[] {
    return this.calls.map((c) => c.op);
  }

  /** The SQL texts of recorded statements. */
  statements(): string[] {
    return this.calls.filter((c) => c.sql !== undefined).map((c) => c.sql as string);
  }

  async query(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    await this.step({ op: "query", sql, params: [...params] });
    return this.result(sql, params);
  }

  /** @internal what respond() makes of a statement. */
  result(sql: string, params: readonly unknown[]): QueryResult {
    const out = this.driver.respond?.(sql, params, this);
    if (out === undefined) return { rows: [], rowsAffected: 0, lastInsertId: undefined };
    return Array.isArray(out) ? { rows: out, rowsAffected: 0, lastInsertId: undefined } : out;
  }

  async queryMany(sql: string, paramSets: readonly (readonly unknown[])[]): Promise<{ rowsAffected: number }> {
    await this.step({ op: "queryMany", sql, params: paramSets.map((p) => [...p]) });
    return { rowsAffected: paramSets.length };
  }

  async *stream(sql: string, params: readonly unknown[]): AsyncIterable<Row> {
    await this.step({ op: "stream", sql, params: [...params] });
    const out = this.driver.respond?.(sql, params, this);
    const rows = out === undefined ? [] : Array.isArray(out) ? out : out.rows;
    for (const row of rows) yield row;
  }

  async executeScript(sql: string): Promise<void> {
    await this.step({ op: "executeScript", sql });
  }

  async begin(): Promise<void> {
    await this.step({ op: "begin" });
    this.transactionOpen = true;
  }

  async beginReadOnly(): Promise<void> {
    await this.step({ op: "beginReadOnly" });
    this.transactionOpen = true;
  }

  async commit(): Promise<void> {
    await this.step({ op: "commit" });
    this.transactionOpen = false;
  }

  async rollback(): Promise<void> {
    await this.step({ op: "rollback" });
    this.transactionOpen = false;
  }

  async savepoint(name: string): Promise<void> {
    await this.step({ op: "savepoint", name });
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.step({ op: "releaseSavepoint", name });
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.step({ op: "rollbackToSavepoint", name });
  }

  async validate(): Promise<boolean> {
    const rule = this.driver.takeRule("validate", this.id, undefined);
    this.record({ op: "validate" });
    if (rule?.how === "false") return false;
    await this.driver.misbehave(rule);
    return !this.broken;
  }

  async close(): Promise<void> {
    this.record({ op: "close" });
    const rule = this.driver.takeRule("close", this.id, undefined);
    this.closed = true;
    await this.driver.misbehave(rule);
  }

  private record(call: FakeCall): void {
    this.calls.push({ ...call, seq: ++sequence });
  }

  /** @internal records a call and applies the failure rules. */
  async step(call: FakeCall): Promise<void> {
    this.record(call);
    if (this.closed) throw new FakeDbError(`connection ${this.id} is closed`, { kind: "connection", fatal: true });
    await this.driver.misbehave(this.driver.takeRule(call.op, this.id, call.sql));
  }

  /**
   * @internal step() done now: false, with nothing recorded and the rule left in place, when a rule
   * would make the call wait; throws for a `reject` rule.
   */
  stepNow(call: FakeCall): boolean {
    if (this.driver.wouldWait(call.op, this.id, call.sql)) return false;
    this.record(call);
    if (this.closed) throw new FakeDbError(`connection ${this.id} is closed`, { kind: "connection", fatal: true });
    const rule = this.driver.takeRule(call.op, this.id, call.sql);
    if (rule?.how === "reject") throw rule.error ?? new FakeDbError(`fake ${rule.op} failure`);
    return true;
  }
}

/** A FakeConnection with the synchronous fast paths (FakeDriverOptions.synchronous). */
export class SyncFakeConnection extends FakeConnection {
  queryNow(sql: string, params: readonly unknown[]): QueryResult | undefined {
    return this.stepNow({ op: "query", sql, params: [...params] }) ? this.result(sql, params) : undefined;
  }

  beginNow(): boolean {
    if (!this.stepNow({ op: "begin" })) return false;
    this.transactionOpen = true;
    return true;
  }

  commitNow(): boolean {
    if (!this.stepNow({ op: "commit" })) return false;
    this.transactionOpen = false;
    return true;
  }

  rollbackNow(): boolean {
    if (!this.stepNow({ op: "rollback" })) return false;
    this.transactionOpen = false;
    return true;
  }
}

/** A Driver whose connections are FakeConnections. See the module comment. */
export class FakeDriver implements Driver<FakeConnection> {
  readonly name = "fake";
  readonly dialect: Dialect;
  readonly pool: Partial<PoolOptions>;
  readonly connections: FakeConnection[] = [];
  /** Every connect() call, successful or not, with its time (for backoff checks). */
  readonly connectAttempts: number[] = [];
  readonly respond: FakeDriverOptions["respond"];
  closedDriver = false;
  private readonly reportsTransaction: boolean;
  private readonly resets: boolean;
  private readonly synchronous: boolean;
  private rules: ActiveRule[] = [];
  private hung: (() => void)[] = [];

  constructor(options: FakeDriverOptions = {}) {
    this.dialect = {
      placeholder: options.placeholder ?? "?",
      savepoints: options.savepoints ?? true,
      quoteIdentifier: quoteDouble,
      readOnlyTransactions: options.readOnlyTransactions ?? false,
    };
    this.pool = options.pool ?? {};
    this.respond = options.respond;
    this.reportsTransaction = options.reportsTransaction ?? true;
    this.resets = options.resets ?? false;
    this.synchronous = options.synchronous ?? false;
  }

  /** Makes the next matching calls of `op` misbehave. */
  failOn(op: FakeOp, rule: FailRule): this {
    this.rules.push({ ...rule, op });
    return this;
  }

  clearFailures(): void {
    this.rules = [];
  }

  /** Lets every hung call continue (as a success). */
  releaseHangs(): void {
    const hung = this.hung;
    this.hung = [];
    for (const wake of hung) wake();
  }

  /** Every call of every connection, tagged with the connection id, in per-connection order. */
  allCalls(): (FakeCall & { conn: number })[] {
    return this.connections.flatMap((c) => c.calls.map((call) => ({ ...call, conn: c.id })));
  }

  /** Connections that are open and, by the fake server's account, inside a transaction. */
  openTransactions(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed && c.transactionOpen);
  }

  async connect(): Promise<FakeConnection> {
    this.connectAttempts.push(Date.now());
    await this.misbehave(this.takeRule("connect", undefined, undefined));
    const conn = new (this.synchronous ? SyncFakeConnection : FakeConnection)(this, this.connections.length + 1);
    if (this.reportsTransaction) {
      Object.defineProperty(conn, "inTransaction", { value: () => conn.transactionOpen });
    }
    if (this.resets) Object.defineProperty(conn, "reset", { value: () => conn.step({ op: "reset" }) });
    this.connections.push(conn);
    return conn;
  }

  classifyError(error: unknown): ErrorClass {
    if (error instanceof FakeDbError) return { kind: error.kind, fatal: error.fatal };
    return { kind: "other", fatal: false };
  }

  async close(): Promise<void> {
    this.closedDriver = true;
  }

  /** @internal true when the next matching rule for `op` would make the call wait (hang or delay). */
  wouldWait(op: FakeOp, connection: number | undefined, sql: string | undefined): boolean {
    const rule = this.findRule(op, connection, sql);
    return rule !== undefined && (rule.how === "hang" || rule.how === "delay");
  }

  /** @internal */
  takeRule(op: FakeOp, connection: number | undefined, sql: string | undefined): ActiveRule | undefined {
    const rule = this.findRule(op, connection, sql);
    if (rule === undefined) return undefined;
    const index = this.rules.indexOf(rule);
    if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(index, 1);
    return rule;
  }

  private findRule(op: FakeOp, connection: number | undefined, sql: string | undefined): ActiveRule | undefined {
    return this.rules.find(
      (r) =>
        r.op === op &&
        (r.connection === undefined || r.connection === connection) &&
        (r.match === undefined ||
          (sql !== undefined && (typeof r.match === "string" ? sql.includes(r.match) : r.match.test(sql)))),
    );
  }

  /** @internal */
  async misbehave(rule: ActiveRule | undefined): Promise<void> {
    if (rule === undefined) return;
    switch (rule.how) {
      case "reject":
        throw rule.error ?? new FakeDbError(`fake ${rule.op} failure`);
      case "hang":
        await new Promise<void>((resolve) => this.hung.push(resolve));
        return;
      case "delay":
        await new Promise<void>((resolve) => setTimeout(resolve, rule.ms ?? 10));
        return;
      case "false":
        return;
    }
  }
}
