import { describe, expect, it } from "vitest";
import {
  AlreadyRegisteredError,
  CommitFailedError,
  ConfigError,
  ConnectionError,
  ConstraintError,
  DuplicateKeyError,
  LeakWarning,
  MultipleRowsError,
  NoScopeError,
  NotFoundError,
  ParameterError,
  PoolTimeoutError,
  QueryError,
  SecondConnectionError,
  SerializationError,
  SessionClosedError,
  SQLScopeError,
  TransactionError,
  UnknownKeyError,
  UnsupportedError,
} from "../src/index.ts";
import { isRetryable } from "../src/errors.ts";

const cause = Object.assign(new Error("deadlock detected"), { code: "40P01" });
const stats = { borrowed: 3, max: 3, pending: 2 };

// [instance, code, retryable, carries the cause]
const cases: [SQLScopeError, string, boolean, boolean][] = [
  [new NoScopeError(), "ERR_SQLSCOPE_NO_SCOPE", false, false],
  [new UnknownKeyError("x", ["db"]), "ERR_SQLSCOPE_UNKNOWN_KEY", false, false],
  [new DuplicateKeyError("db"), "ERR_SQLSCOPE_DUPLICATE_KEY", false, false],
  [new ConfigError("pool.max must be at least 1.", cause), "ERR_SQLSCOPE_CONFIG", false, true],
  [new AlreadyRegisteredError("mounted twice; mount once."), "ERR_SQLSCOPE_ALREADY_REGISTERED", false, false],
  [new SessionClosedError("db"), "ERR_SQLSCOPE_SESSION_CLOSED", false, false],
  [new NotFoundError("SELECT 1"), "ERR_SQLSCOPE_NOT_FOUND", false, false],
  [new MultipleRowsError("SELECT 1", 2), "ERR_SQLSCOPE_MULTIPLE_ROWS", false, false],
  [new PoolTimeoutError("db", 100, stats, cause), "ERR_SQLSCOPE_POOL_TIMEOUT", true, true],
  [new CommitFailedError("db", cause), "ERR_SQLSCOPE_COMMIT_FAILED", false, true],
  [new SerializationError("conflict.", cause), "ERR_SQLSCOPE_SERIALIZATION", true, true],
  [new ParameterError("2 placeholders, 1 value."), "ERR_SQLSCOPE_PARAMETERS", false, false],
  [new QueryError("SELECT x", cause), "ERR_SQLSCOPE_QUERY", false, true],
  [new ConstraintError("INSERT", cause, "unique"), "ERR_SQLSCOPE_CONSTRAINT", false, true],
  [new ConnectionError("db", cause), "ERR_SQLSCOPE_CONNECTION", true, true],
  [new TransactionError("commit() without begin()."), "ERR_SQLSCOPE_TRANSACTION", false, false],
  [new UnsupportedError("no savepoints"), "ERR_SQLSCOPE_UNSUPPORTED", false, false],
  [new SecondConnectionError("db"), "ERR_SQLSCOPE_SECOND_CONNECTION", false, false],
  [new LeakWarning("db", 61_000, "at here"), "ERR_SQLSCOPE_LEAK", false, false],
];

describe("errors", () => {
  it.each(cases.map((c) => [c[0].constructor.name, ...c] as const))(
    "%s has a stable code, name, cause and retryable",
    (name, error, code, retryable, hasCause) => {
      expect(error).toBeInstanceOf(SQLScopeError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(isRetryable(error)).toBe(retryable);
      if (hasCause) expect(error.cause).toBe(cause);
      else expect("cause" in error).toBe(false);
      expect(error.message.length).toBeGreaterThan(10);
      expect(error.stack).toContain(name);
    },
  );

  it("every code is distinct", () => {
    const codes = cases.map((c) => c[1]);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("CommitFailedError is retryable when its cause is, unless the commit is in doubt", () => {
    expect(new CommitFailedError("db", new SerializationError("x.", cause)).retryable).toBe(true);
    // A connection lost during COMMIT leaves the outcome unknown: never retryable, and it says so.
    const inDoubt = new CommitFailedError("db", new ConnectionError("db", cause));
    expect(inDoubt).toMatchObject({ retryable: false, inDoubt: true });
    expect(inDoubt.message).toMatch(/unknown.*before retrying/);
    expect(new CommitFailedError("db", new SerializationError("x.", cause)).inDoubt).toBe(false);
    expect(new CommitFailedError("db", new Error("disk full")).retryable).toBe(false);
    expect(new CommitFailedError("db", new Error("disk full")).message).toMatch(/"db".*disk full.*retry/);
  });

  it("QueryError keeps the driver code and the SQL", () => {
    const e = new ConstraintError(
      "INSERT INTO users VALUES (1)",
      Object.assign(new Error("dup"), { code: 1062 }),
      "unique",
    );
    expect(e).toBeInstanceOf(QueryError);
    expect(e).toMatchObject({ driverCode: "1062", sql: "INSERT INTO users VALUES (1)", constraint: "unique" });
    expect(new QueryError("x", "plain string").driverCode).toBeUndefined();
    expect(new QueryError(`SELECT ${"x, ".repeat(100)}1`, cause).message).toMatch(/\.\.\.\)$/);
  });

  it("PoolTimeoutError says why: exhausted pool or unreachable database", () => {
    expect(new PoolTimeoutError("db", 100, stats).message).toMatch(
      /all 3 connections are borrowed and 2 requests are waiting.*pool\.max/,
    );
    expect(new PoolTimeoutError("db", 100, stats, cause).message).toMatch(/deadlock detected.*reachable/);
  });

  it("PoolTimeoutError carries status 503 for frameworks' default error handlers", () => {
    expect(new PoolTimeoutError("db", 100, stats)).toMatchObject({ status: 503, statusCode: 503, expose: false });
  });

  it("messages say what to do", () => {
    expect(new UnknownKeyError("x", []).message).toMatch(/\(none\).*db\.add/);
    expect(new SessionClosedError("db").message).toMatch(/Await every query/);
    expect(new NotFoundError("SELECT 1").message).toMatch(/selectOneOrNull/);
    expect(new MultipleRowsError("SELECT 1", 3)).toMatchObject({ rowCount: 3 });
    expect(new SerializationError("Conflict.").message).toMatch(/Re-run the whole transaction/);
    expect(isRetryable(new Error("x"))).toBe(false);
    expect(isRetryable("x")).toBe(false);
  });
});

describe("messages embedding a cause", () => {
  it("do not double the cause's final period", () => {
    expect(new CommitFailedError("db", new Error("deferred constraint failed.")).message).not.toMatch(/\.\./);
    expect(new CommitFailedError("db", new Error("deferred constraint failed.")).message).toMatch(
      /deferred constraint failed\. The client/,
    );
  });
});
