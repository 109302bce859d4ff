import Koa from "koa";
import { koaBody } from "koa-body";
import { getSession } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/koa";
import { db } from "./db.ts"; // new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" })

export const app = new Koa();
app.use(sqlscopeErrors(db)); // sqlscope's errors as 404, 409, 422, 503 or 500: first, so it sees a failed commit too
app.use(koaBody()); // before or after sqlscope: both work
app.use(sqlscope(db)); // once, before the routes that call getSession()
app.use(async (ctx) => {
  const id = /^\/users\/(\d+)$/.exec(ctx.path)?.[1];
  ctx.body =
    id === undefined
      ? await getSession().select("SELECT * FROM users")
      : await getSession().selectOne("SELECT * FROM users WHERE id = ?", [id]); // none: 404
});
