import { createServer } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope as expressScope } from "@sqlscope/express";
import { sqlscope as koaScope } from "@sqlscope/koa";
import { listen, type StartedServer } from "@sqlscope/test-support";
import express from "express";
import Koa from "koa";

/** What a route does with the builder only; the suite checks what the client and the database see. */
export interface BuilderRoutes {
  /** Inserts a user with this email. */
  create(email: string): Promise<void>;
  /** Does work whose COMMIT will fail (a deferred foreign key, or its own connection killed). */
  breakCommit(): Promise<void>;
}

export type Framework = "express" | "koa";

/** POST /users/:email/:status, POST /throw/:email and POST /broken (answers 201), with the sqlscope middleware. */
export function startApp(framework: Framework, db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  return framework === "express" ? expressApp(db, routes) : koaApp(db, routes);
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

function koaApp(db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  const app = new Koa();
  app.silent = true;
  app.use(koaScope(db));
  app.use(async (ctx) => {
    const [, route, email, status] = ctx.path.split("/");
    if (route === "users") {
      await routes.create(String(email));
      ctx.status = Number(status);
      ctx.body = { ok: true };
    } else if (route === "throw") {
      await routes.create(String(email));
      throw new Error("handler failed");
    } else if (route === "broken") {
      await routes.breakCommit();
      ctx.status = 201;
      ctx.body = { created: true };
    }
  });
  return listen(createServer(app.callback()));
}
