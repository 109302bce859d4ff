// koa.md "Write intent": GET /articles/:slug counts a visit, so it gets write intent.
import Koa from "koa";
import { methodIntent, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/koa";
import { countVisit } from "./visits.ts";

export function visitsApp(db: SQLScope): Koa {
  const app = new Koa();
  // docs:start intent
  app.use(sqlscope(db, { intent: (ctx) => (ctx.path.startsWith("/articles/") ? "write" : methodIntent(ctx.method)) }));
  // docs:end
  app.use(async (ctx) => {
    ctx.body = String(await countVisit(ctx.path.slice("/articles/".length)));
  });
  return app;
}
