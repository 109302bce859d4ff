import express, { type ErrorRequestHandler } from "express";
import { ConstraintError, PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { NoResultError, type Kysely } from "kysely";
import type { Database } from "./db.ts";
import { BadRequest, users } from "./users.ts";

/** The application factory: tests build one per test with their own database. */
export function createApp(db: SQLScope, kysely: Kysely<Database>): express.Express {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db)); // one session per request, committed by status; Kysely runs on it
  app.use("/users", users(kysely));
  app.use(errors);
  return app;
}

// Any status other than 2xx rolls the request's transaction back, so mapping errors to statuses here is
// all the error handling the handlers need.
const errors: ErrorRequestHandler = (error, _req, res, _next) => {
  if (error instanceof BadRequest) res.status(400).json({ error: error.message });
  else if (error instanceof NoResultError) res.status(404).json({ error: "not found" });
  else if (error instanceof ConstraintError && error.constraint === "unique")
    res.status(409).json({ error: "email already registered" });
  else if (error instanceof PoolTimeoutError) res.status(503).json({ error: "busy, retry" });
  else if ((error as { type?: string }).type === "entity.parse.failed")
    res.status(400).json({ error: "body is not valid JSON" });
  else {
    console.error(error);
    res.status(500).json({ error: "internal error" });
  }
};
