import { describe, expect, it } from "vitest";
import { publishedError } from "../src/redact.ts";
import { CommitFailedError, ConstraintError, QueryError, SessionClosedError } from "../src/index.ts";

const dbError = Object.assign(new Error("Duplicate entry 'a@secret.example' for key 'email'"), {
  code: "ER_DUP_ENTRY",
  errno: 1062,
});

describe("publishedError: what diagnostics events carry for an error", () => {
  it("withholds a database message, keeping the class, code, driver code and the safe fields", () => {
    const error = new ConstraintError("INSERT INTO users (email) VALUES (?)", dbError, "unique");
    const published = publishedError(error, false);
    expect(published).toBeInstanceOf(ConstraintError);
    expect(published).toMatchObject({
      name: "ConstraintError",
      code: "ERR_SQLSCOPE_CONSTRAINT",
      driverCode: "ER_DUP_ENTRY",
      constraint: "unique",
    });
    // The cause chain stays, redacted the same way: its codes, not its message.
    expect(published.cause).toMatchObject({ code: "ER_DUP_ENTRY", errno: 1062 });
    expect((published.cause as Error).message).not.toContain("secret");
    const everything = `${published.message} ${published.stack} ${JSON.stringify(published)} ${(published.cause as Error).stack}`;
    expect(everything).not.toContain("secret");
    expect(published.message).toMatch(/withheld.*errorMessages: true/);
    // The caller's own error is untouched.
    expect(error.message).toContain("a@secret.example");
  });

  it("withholds what wraps a database error at any depth, and whatever is not ours", () => {
    expect(publishedError(new CommitFailedError("db", new QueryError("COMMIT", dbError)), false).message).not.toContain(
      "secret",
    );
    expect(publishedError(dbError, false).message).not.toContain("secret");
    expect(publishedError("a string thrown", false)).toBeInstanceOf(Error);
  });

  it("publishes sqlscope's own errors without a cause as they are, and everything when asked to", () => {
    const closed = new SessionClosedError("db");
    expect(publishedError(closed, false)).toBe(closed);
    const error = new QueryError("SELECT ?", dbError);
    expect(publishedError(error, true)).toBe(error);
  });
});
