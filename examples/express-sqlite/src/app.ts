import express, { type ErrorRequestHandler } from "express";
import { ConstraintError, NotFoundError, type SQLScope } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/express";
import { BadRequest, Forbidden, users } from "./users.ts";

/** The application factory: tests build one per test with their own database. */
export function createApp(db: SQLScope): express.Express {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db)); // one session per request, committed by status
  app.use("/users", users);
  app.use(errors);
  app.use(sqlscopeErrors(db)); // sqlscope's other errors: a pool timeout 503 (Retry-After), the rest 500
  app.use(internal);
  return app;
}

// Any status other than 2xx rolls the request's transaction back, so mapping errors to statuses here is
// all the error handling the handlers need. No SELECT before an INSERT to see whether the email is taken:
// the database says so, and which column, in the ConstraintError.
const errors: ErrorRequestHandler = (error, _req, res, next) => {
  if (error instanceof BadRequest) res.status(400).json({ error: error.message });
  else if (error instanceof Forbidden) res.status(403).json({ error: error.message });
  else if (error instanceof NotFoundError) res.status(404).json({ error: "not found" });
  else if (error instanceof ConstraintError && error.constraint === "unique" && error.columns?.includes("email")) {
    res.status(409).json({ error: "email already registered" });
  } else if ((error as { type?: string }).type === "entity.parse.failed")
    res.status(400).json({ error: "body is not valid JSON" });
  else next(error);
};

const internal: ErrorRequestHandler = (error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ error: "internal error" });
};
