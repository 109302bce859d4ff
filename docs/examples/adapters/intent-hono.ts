// hono.md "Write intent": GET /articles/:slug counts a visit, so it gets write intent.
import { Hono } from "hono";
import { methodIntent, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/hono";
import { countVisit } from "./visits.ts";

export function visitsApp(db: SQLScope): Hono {
  const app = new Hono();
  // docs:start intent
  app.use(
    sqlscope(db, { intent: (c) => (c.req.path.startsWith("/articles/") ? "write" : methodIntent(c.req.method)) }),
  );
  // docs:end
  app.get("/articles/:slug", async (c) => c.text(String(await countVisit(c.req.param("slug")))));
  return app;
}
