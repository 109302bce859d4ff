// Running statements on a session's slot: the one-statement path (with its synchronous fast path for
// drivers that can answer at once), and the other statement kinds (many, script, stream, raw).
import type { DriverConnection, QueryResult, Row } from "../driver.ts";
import { SessionClosedError } from "../errors.ts";
import { bindParams, compileSql, tooManyParameters, type Params } from "../placeholders.ts";
import { compileFragment, isSql } from "../sql.ts";
import type { ConnectionSlot } from "./connection-slot.ts";
import { shaped, textOf, type Query, type Shape } from "./shape.ts";

/** run() handed over before the statement was counted as started. */
const NOT_STARTED = -2;

/**
 * Runs one statement and returns what `shape` asks for: the result, its rows, or its one row. Not
 * async: when the connection is at hand and the driver can run the statement now (queryNow), the
 * only promise is the one returned. Errors always come back as a rejection, never thrown.
 */
export function run(slot: ConnectionSlot, query: Query, params: Params | undefined, shape: Shape): Promise<unknown> {
  try {
    slot.enter();
  } catch (error) {
    return Promise.reject(error);
  }
  let text: string;
  let values: readonly unknown[];
  let conn: DriverConnection | undefined;
  try {
    ({ text, values } = prepare(slot, query, params));
    conn = slot.lease?.conn ?? slot.openNow();
  } catch (error) {
    slot.leave();
    return Promise.reject(error);
  }
  if (conn?.queryNow === undefined) return runLater(slot, conn, text, values, query, shape, NOT_STARTED);
  const t0 = slot.startStatement();
  let result: QueryResult | undefined;
  try {
    result = conn.queryNow(text, values);
  } catch (error) {
    return Promise.reject(statementFailed(slot, error, t0, text));
  }
  if (result === undefined) return runLater(slot, conn, text, values, query, shape, t0);
  statementDone(slot, t0, text, result);
  slot.leave();
  try {
    return Promise.resolve(shaped(result, query, shape));
  } catch (error) {
    return Promise.reject(error);
  }
}

// Then-chains rather than async/await from here on (see docs/architecture.md on the hot path).

/** run() once it has to wait: for the connection, or for a driver that answers asynchronously. */
function runLater(
  slot: ConnectionSlot,
  conn: DriverConnection | undefined,
  text: string,
  values: readonly unknown[],
  query: Query,
  shape: Shape,
  started: number,
): Promise<unknown> {
  if (conn !== undefined) return runOn(slot, conn, text, values, query, shape, started);
  let opening: Promise<DriverConnection>;
  try {
    opening = slot.open();
  } catch (error) {
    slot.leave();
    return Promise.reject(error);
  }
  return opening.then(
    (c) => runOn(slot, c, text, values, query, shape, started),
    (error: unknown) => {
      slot.leave();
      throw error;
    },
  );
}

function runOn(
  slot: ConnectionSlot,
  conn: DriverConnection,
  text: string,
  values: readonly unknown[],
  query: Query,
  shape: Shape,
  started: number,
): Promise<unknown> {
  const t0 = started === NOT_STARTED ? slot.startStatement() : started;
  let pending: Promise<QueryResult>;
  try {
    pending = conn.query(text, values);
  } catch (error) {
    return Promise.reject(statementFailed(slot, error, t0, text));
  }
  return pending.then(
    (result) => {
      statementDone(slot, t0, text, result);
      slot.leave();
      return shaped(result, query, shape);
    },
    (error: unknown) => {
      throw statementFailed(slot, error, t0, text);
    },
  );
}

/** The statement failed: reports it, ends the call, and returns the error to throw. */
function statementFailed(slot: ConnectionSlot, error: unknown, t0: number, text: string): unknown {
  const mapped = slot.mapError(error, text);
  if (t0 >= 0) slot.endStatement(t0, text, 0, 0, mapped);
  slot.leave();
  return mapped;
}

function statementDone(slot: ConnectionSlot, t0: number, text: string, result: QueryResult): void {
  if (t0 >= 0) slot.endStatement(t0, text, result.rows.length, result.rowsAffected, undefined);
  else if (slot.depth === 0) slot.host.recordDurable();
}

/** The native text and values of a query, its placeholders translated for the driver. */
function prepare(
  slot: ConnectionSlot,
  query: Query,
  params: Params | undefined,
): { text: string; values: readonly unknown[] } {
  if (typeof query === "string") {
    const compiled = compileSql(query, slot.database.parse);
    return { text: compiled.text, values: limited(slot, bindParams(compiled, params, query)) };
  }
  if (!isSql(query)) {
    throw new TypeError("A query must be SQL text or a sql`...` fragment.");
  }
  if (params !== undefined) {
    throw new TypeError("A sql`...` fragment carries its own values; do not pass parameters with it.");
  }
  const { text, params: values } = compileFragment(query, slot.database.driver.dialect);
  return { text, values: limited(slot, values) };
}

/** Values within the driver's parameter limit; more would overflow its protocol mid-send. */
function limited(slot: ConnectionSlot, values: readonly unknown[]): readonly unknown[] {
  const { driver } = slot.database;
  const max = driver.dialect.maxParameters;
  if (max !== undefined && values.length > max) throw tooManyParameters(driver.name, values.length, max);
  return values;
}

/** Runs `work` on the session's connection as one counted, reported, error-mapped statement `text`. */
async function onConnection<T>(
  slot: ConnectionSlot,
  text: string,
  eventText: string,
  work: (conn: DriverConnection) => Promise<{ value: T; rowsAffected: number }>,
): Promise<T> {
  slot.enter();
  try {
    const conn = slot.lease?.conn ?? (await slot.open());
    const t0 = slot.startStatement();
    try {
      const { value, rowsAffected } = await work(conn);
      slot.endStatement(t0, eventText, 0, rowsAffected, undefined);
      return value;
    } catch (error) {
      const mapped = slot.mapError(error, text);
      slot.endStatement(t0, eventText, 0, 0, mapped);
      throw mapped;
    }
  } finally {
    slot.leave();
  }
}

/** The same statement once per parameter set, on one connection, in order. */
export function executeMany(
  slot: ConnectionSlot,
  query: string,
  paramSets: readonly Params[],
): Promise<{ rowsAffected: number }> {
  let compiled: ReturnType<typeof compileSql>;
  let sets: (readonly unknown[])[];
  try {
    compiled = compileSql(query, slot.database.parse);
    sets = paramSets.map((p) => limited(slot, bindParams(compiled, p, query)));
  } catch (error) {
    // Checked before the connection is taken, as for every statement: a mistake costs no lease.
    return Promise.reject(error);
  }
  return onConnection(slot, query, compiled.text, async (conn) => {
    let rowsAffected = 0;
    if (conn.queryMany !== undefined) rowsAffected = (await conn.queryMany(compiled.text, sets)).rowsAffected;
    else for (const set of sets) rowsAffected += (await conn.query(compiled.text, set)).rowsAffected;
    return { value: { rowsAffected }, rowsAffected };
  });
}

/** Several statements separated by semicolons (schema set-up, migrations). No parameters. Trusted text only. */
export function executeScript(slot: ConnectionSlot, script: string): Promise<void> {
  return onConnection(slot, script, script, async (conn) => {
    await conn.executeScript(script);
    return { value: undefined, rowsAffected: 0 };
  });
}

/** One statement through the driver library's own API (see Session.withConnection). */
export function withConnection<T>(slot: ConnectionSlot, sql: string, fn: (raw: unknown) => T | Promise<T>): Promise<T> {
  return onConnection(slot, sql, sql, async (conn) => ({
    value: await (conn.runRaw === undefined ? fn(conn.raw) : conn.runRaw(sql, fn)),
    rowsAffected: 0,
  }));
}

/** The driver's own connection inside the session's transaction. */
export async function rawConnection(slot: ConnectionSlot): Promise<unknown> {
  slot.enter();
  try {
    const conn = slot.lease?.conn ?? (await slot.open());
    // Raw calls bypass the driver: whatever BEGIN it deferred must be on the connection first.
    if (conn.prepareRaw !== undefined) await conn.prepareRaw();
    // Raw access can commit anything: a retry must not re-run it unless a transaction contains it.
    if (slot.depth === 0) slot.host.recordDurable();
    return conn.raw;
  } finally {
    slot.leave();
  }
}

/** Rows one at a time; the session refuses other statements until the loop ends. */
export async function* stream<R = Row>(
  slot: ConnectionSlot,
  query: Query,
  params: Params | undefined,
): AsyncGenerator<R> {
  slot.enter();
  try {
    const { text, values } = prepare(slot, query, params);
    const conn = slot.lease?.conn ?? (await slot.open());
    const t0 = slot.startStatement();
    let rows = 0;
    let failure: unknown;
    slot.streams++;
    try {
      for await (const row of conn.stream(text, values)) {
        if (slot.released) throw new SessionClosedError(slot.key);
        rows++;
        yield row as R;
      }
    } catch (error) {
      failure = slot.mapError(error, textOf(query));
      throw failure;
    } finally {
      // Also reached when the consumer breaks out of the loop early.
      slot.streams--;
      slot.endStatement(t0, text, rows, 0, failure);
    }
  } finally {
    slot.leave();
  }
}
