import express, { type ErrorRequestHandler } from "express";
import { ConstraintError, NotFoundError, PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { dashboard } from "./dashboard.ts";
import { BadRequest, users } from "./users.ts";

/**
 * The application factory: one sqlscope middleware serves both databases; handlers pick a database
 * with getSession() (users, SQLite) or getSession("events") (DuckDB).
 *
 * @example
 * createApp(createDatabases(defaultFiles())).listen(3000);
 */
export function createApp(db: SQLScope): express.Express {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db));
  app.use("/users", users);
  app.use(dashboard);
  app.use(errors);
  return app;
}

// Each key settles by the status chosen here, so mapping errors to statuses is all the handlers need.
const errors: ErrorRequestHandler = (error, _req, res, _next) => {
  if (error instanceof BadRequest) res.status(400).json({ error: error.message });
  else if (error instanceof NotFoundError) res.status(404).json({ error: "not found" });
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
