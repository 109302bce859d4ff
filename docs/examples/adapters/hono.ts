import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { getSession } from "@sqlscope/core";
import { sqlscope, type SQLScopeEnv } from "@sqlscope/hono";
import { db } from "./db.ts";

export const app = new Hono<SQLScopeEnv>();
app.use(sqlscope(db));

app.get("/users", async (c) => c.json(await c.var.session.select("SELECT * FROM users")));
app.get("/users/:id", async (c) =>
  c.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [c.req.param("id")])));

export const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
