import Koa from "koa";
import { koaBody } from "koa-body";
import { getSession } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/koa";
import { db } from "./db.ts"; // new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" })
import { errors } from "./koa-errors.ts";

export const app = new Koa();
app.use(errors);          // your error middleware: outermost, so it also sees a failed commit
app.use(koaBody());       // before or after sqlscope: both work
app.use(sqlscope(db));    // once, before the routes that call getSession()
app.use(async (ctx) => {
  ctx.body = await getSession().select("SELECT * FROM users");
});
