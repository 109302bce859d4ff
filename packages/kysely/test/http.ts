import { createServer, type Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope as expressScope } from "@sqlscope/express";
import { sqlscope as honoScope, type SQLScopeEnv } from "@sqlscope/hono";
import { listen, type StartedServer } from "@sqlscope/test-support";
import express from "express";
import { Hono } from "hono";

/** What a route does with the builder only; the suite checks what the client and the database see. */
export interface BuilderRoutes {
  /** Inserts a user with this email. */
  create(email: string): Promise<void>;
  /** Does work whose COMMIT will fail (a deferred foreign key, or its own connection killed). */
  breakCommit(): Promise<void>;
}

export type Framework = "express" | "hono";

/** POST /users/:email/:status, POST /throw/:email and POST /broken (answers 201), with the sqlscope middleware. */
export function startApp(framework: Framework, db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  return framework === "express" ? expressApp(db, routes) : honoApp(db, routes);
}

function expressApp(db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  const app = express();
  app.use(expressScope(db));
  app.post("/users/:email/:status", async (req, res) => {
    await routes.create(req.params.email);
    res.status(Number(req.params.status)).json({ ok: true });
  });
  app.post("/throw/:email", async (req) => {
    await routes.create(req.params.email);
    throw new Error("handler failed");
  });
  app.post("/broken", async (_req, res) => {
    await routes.breakCommit();
    res.status(201).json({ created: true });
  });
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: "handler failed" });
  });
  return listen(createServer(app));
}

function honoApp(db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  const app = new Hono<SQLScopeEnv>();
  app.use(honoScope(db));
  app.post("/users/:email/:status", async (c) => {
    await routes.create(c.req.param("email"));
    return c.json({ ok: true }, Number(c.req.param("status")) as 201);
  });
  app.post("/throw/:email", async (c) => {
    await routes.create(c.req.param("email"));
    throw new Error("handler failed");
  });
  app.post("/broken", async (c) => {
    await routes.breakCommit();
    return c.json({ created: true }, 201);
  });
  app.onError((_error, c) => c.json({ error: "handler failed" }, 500));
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
}
