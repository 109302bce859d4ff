// Type tests, checked by tsc (never run): the Hono env types c.var.session.
import { expectTypeOf } from "vitest";
import { Hono } from "hono";
import type { SQLScope, Session } from "@sqlscope/core";
import { sqlscope, type SQLScopeEnv } from "../src/index.ts";

declare const db: SQLScope;
const app = new Hono<SQLScopeEnv>().use(sqlscope(db));
app.get("/", (c) => {
  expectTypeOf(c.var.session).toEqualTypeOf<Session>();
  expectTypeOf(c.get("session")).toEqualTypeOf<Session>();
  return c.text("ok");
});
// Without the env, the variable is unknown to Hono's types.
new Hono().get("/", (c) => {
  // @ts-expect-error session is only typed on Hono<SQLScopeEnv>
  expectTypeOf(c.var.session).toEqualTypeOf<Session>();
  return c.text("ok");
});

// The intent option sees Hono's context.
new Hono().use(sqlscope(db, { intent: (c) => (c.req.path === "/visits" ? "write" : "read") }));
