import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { getSession } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors, type SQLScopeEnv } from "@sqlscope/hono";
import { db } from "./db.ts";

export const app = new Hono<SQLScopeEnv>();
app.use(sqlscopeErrors(db)); // sqlscope's errors as 404, 409, 422, 503 or 500
app.use(sqlscope(db));

app.get("/users", async (c) => c.json(await c.var.session.select("SELECT * FROM users")));
app.get("/users/:id", async (c) =>
  c.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [c.req.param("id")])),
); // none: 404

export const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
