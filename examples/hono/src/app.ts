import { Hono } from "hono";
import { ConstraintError, NotFoundError, PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import { sqlscope, type SQLScopeEnv } from "@sqlscope/hono";
import { BadRequest, users } from "./users.ts";

/** The application factory: tests build one with their own database. */
export function createApp(db: SQLScope): Hono<SQLScopeEnv> {
  const app = new Hono<SQLScopeEnv>();
  app.use(sqlscope(db)); // one session per request, committed by status before the response leaves
  app.route("/users", users);
  app.onError((error, c) => {
    // The request was rolled back (its status is not 2xx), so mapping errors is all handlers need.
    if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
    if (error instanceof NotFoundError) return c.json({ error: "not found" }, 404);
    if (error instanceof ConstraintError && error.constraint === "unique")
      return c.json({ error: "email already registered" }, 409);
    if (error instanceof PoolTimeoutError) return c.json({ error: "busy, retry" }, 503);
    console.error(error);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
