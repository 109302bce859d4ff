import { describe, expect, it } from "vitest";
import { mappedError } from "../src/adapter/index.ts";
import {
  CommitFailedError,
  ConstraintError,
  MultipleRowsError,
  NotFoundError,
  ParameterError,
  PoolTimeoutError,
  QueryError,
  SerializationError,
} from "../src/index.ts";

const dbError = Object.assign(new Error("UNIQUE constraint failed: users.email ('a@secret.example')"), {
  code: "SQLITE_CONSTRAINT_UNIQUE",
});

describe("mappedError: what the adapters' sqlscopeErrors() answer", () => {
  it.each([
    ["NotFoundError", new NotFoundError("SELECT 1"), 404],
    ["a unique violation", new ConstraintError("INSERT", dbError, "unique", { columns: ["email"] }), 409],
    ["a not-null violation", new ConstraintError("INSERT", dbError, "not_null"), 422],
    ["a check violation", new ConstraintError("INSERT", dbError, "check"), 422],
    ["a foreign key violation", new ConstraintError("INSERT", dbError, "foreign_key"), 422],
    ["PoolTimeoutError", new PoolTimeoutError("db", 10, { borrowed: 1, max: 1, pending: 1 }), 503],
    ["ParameterError (the app's bug, not the client's)", new ParameterError("Expected 2 parameters, got 1"), 500],
    ["MultipleRowsError", new MultipleRowsError("SELECT", 2), 500],
    ["SerializationError", new SerializationError("conflict", dbError), 500],
    ["QueryError", new QueryError("SELECT nope", dbError), 500],
    [
      "a failed commit, even of a constraint",
      new CommitFailedError("db", new ConstraintError("COMMIT", dbError, "foreign_key")),
      500,
    ],
  ])("%s: %i, a body with nothing of the database", (_what, error, status) => {
    const mapped = mappedError(error);
    expect(mapped?.status).toBe(status);
    expect(mapped?.serverError).toBe(status >= 500);
    expect(mapped?.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(mapped?.headers["retry-after"]).toBe(status === 503 ? "1" : undefined);
    expect(mapped?.body).not.toMatch(/secret|UNIQUE|email|SELECT|INSERT|parameter/i);
  });

  it("matches by code, so an error of another copy of core maps the same; anything else is not mapped", () => {
    const foreign = Object.assign(new Error("x"), { code: "ERR_SQLSCOPE_CONSTRAINT", constraint: "unique" });
    expect(mappedError(foreign)?.status).toBe(409);
    expect(mappedError(new Error("plain"))).toBeUndefined();
    expect(mappedError(Object.assign(new Error("teapot"), { status: 418 }))).toBeUndefined();
    expect(mappedError(null)).toBeUndefined();
  });
});
