// hono.md: shaping the commit-failure response, and streaming rows read before the stream starts.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope, type SQLScopeEnv } from "@sqlscope/hono";

/** An app whose failed commits answer 503 `{ error: code }`; POST /orphans fails its commit on purpose. */
export function commitErrorApp(db: SQLScope): Hono<SQLScopeEnv> {
  const app = new Hono<SQLScopeEnv>();
  // docs:start onCommitError
  app.use(sqlscope(db, { onCommitError: (error, c) => c.json({ error: error.code }, 503) }));
  // docs:end
  app.post("/orphans", async (c) => {
    // The foreign key is checked only at COMMIT (DEFERRABLE INITIALLY DEFERRED), so the commit fails.
    await c.var.session.execute("INSERT INTO children (parent_id) VALUES (?)", [404]);
    return c.json({ ok: true }, 201);
  });
  return app;
}

/** An app streaming the events as server-sent events, then their count. */
export function streamApp(db: SQLScope): Hono<SQLScopeEnv> {
  const app = new Hono<SQLScopeEnv>();
  app.use(sqlscope(db));
  app.get("/events", async (c) => {
    // docs:start stream
    const rows = await c.var.session.select("SELECT * FROM events");
    return streamSSE(c, async (s) => {
      for (const row of rows) await s.writeSSE({ data: JSON.stringify(row) });
      const n = await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM events"));
      await s.writeSSE({ event: "count", data: String(n) });
    });
    // docs:end
  });
  return app;
}
