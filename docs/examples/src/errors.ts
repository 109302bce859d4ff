// errors.md: which field a unique violation is about, from the database's own report, without a SELECT first.
import type { ErrorRequestHandler } from "express";
import { ConstraintError } from "@sqlscope/core";

// docs:start handler
/** The app's unique fields, and what a client is told when one is taken. */
const TAKEN = { email: "This email is already registered.", username: "This username is taken." } as const;

/**
 * Which of them a violation broke: SQLite, PostgreSQL and DuckDB list the columns, MySQL names the
 * key (`email`, or PostgreSQL's `users_email_key`), so both are searched.
 */
function takenField(error: ConstraintError): keyof typeof TAKEN | undefined {
  const names = [...(error.columns ?? []), error.constraintName ?? ""];
  return (Object.keys(TAKEN) as (keyof typeof TAKEN)[]).find((field) =>
    names.some((name) => name === field || name.includes(field)),
  );
}

export const errorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  const field = error instanceof ConstraintError && error.constraint === "unique" ? takenField(error) : undefined;
  if (field === undefined)
    next(error); // sqlscopeErrors(db), mounted next, answers the rest
  else res.status(409).json({ field, error: TAKEN[field] });
};
// docs:end
