import { SQLScopeError } from "@sqlscope/core";

/**
 * A scope waited too long for its turn on the test's shared connection. In an isolated test every
 * scope of a key takes turns on one connection, so a scope that holds it while waiting for another
 * scope (an HTTP call made inside db.runInScope()) can never get it.
 */
export class TurnTimeoutError extends SQLScopeError {
  constructor(key: string, waitedMs: number, holderStack: string | undefined) {
    super(
      "ERR_SQLSCOPE_TEST_TURN_TIMEOUT",
      `A scope waited ${waitedMs} ms for its turn on the shared test connection of "${key}". In a rollback-per-test ` +
        "test every scope of a key takes turns on one connection (they all join the test's transaction), so a scope " +
        "that keeps it while waiting for another one deadlocks: do not send a request to the app from inside " +
        "db.runInScope(), finish that scope first; or raise isolate(db, { turnTimeoutMs }) if a request is just slow.\n" +
        `The connection is held by the scope that took it at:\n${holderStack ?? "(stack not captured)"}`,
    );
  }
}

/** Something used a key's shared connection after the test was rolled back (a request the test did not await). */
export class IsolationEndedError extends SQLScopeError {
  constructor(key: string) {
    super(
      "ERR_SQLSCOPE_TEST_ENDED",
      `A scope used "${key}" after its test was rolled back, so its work was refused. Await every request and ` +
        "db.runInScope() the test starts before the test ends (look for a missing await or a timer).",
    );
  }
}

/** rollback() found a scope still holding the shared connection: its work was thrown away with the test's. */
export class IsolationLeakError extends SQLScopeError {
  constructor(key: string, waitedMs: number, holderStack: string | undefined) {
    super(
      "ERR_SQLSCOPE_TEST_LEAK",
      `A scope still held the shared test connection of "${key}" ${waitedMs} ms after the test ended; the ` +
        "connection was closed and everything rolled back. Await every request the test sends (and the server's " +
        `response), or raise isolate(db, { endTimeoutMs }).\nThe scope took the connection at:\n${holderStack ?? "(stack not captured)"}`,
    );
  }
}

/** isolate() on a SQLScope that is already isolated: the previous test was not rolled back, or tests run concurrently. */
export class AlreadyIsolatedError extends SQLScopeError {
  constructor() {
    super(
      "ERR_SQLSCOPE_TEST_ALREADY_ISOLATED",
      "isolate(db) was called while an earlier isolation of the same SQLScope is still active. Call rollback() " +
        "on it first (useRollbackPerTest() does it in afterEach), and do not run tests that share this SQLScope " +
        "concurrently (test.concurrent): they would share one transaction.",
    );
  }
}

/** The shared connection broke, or a savepoint could not be rolled back: the test's transaction is lost. */
export class IsolationBrokenError extends SQLScopeError {
  constructor(key: string, cause: unknown) {
    super(
      "ERR_SQLSCOPE_TEST_BROKEN",
      `The shared test connection of "${key}" broke or could not undo a scope's savepoint, so this test's ` +
        "transaction can no longer be trusted and further scopes are refused. The cause is attached; the test's " +
        "work is rolled back when rollback() runs.",
      { cause },
    );
  }
}
