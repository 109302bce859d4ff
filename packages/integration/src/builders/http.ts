import { createServer, type Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope as expressScope } from "@sqlscope/express";
import { sqlscope as honoScope, type SQLScopeEnv } from "@sqlscope/hono";
import { sqlscope as koaScope } from "@sqlscope/koa";
import { listen, type StartedServer } from "@sqlscope/test-support";
import express from "express";
import { Hono } from "hono";
import Koa from "koa";
import { describe, expect, it } from "vitest";

/** What a route does with the builder only; the suite checks what the client and the database see. */
export interface BuilderRoutes {
  /** Inserts a user with this email. */
  create(email: string): Promise<void>;
  /** Does work whose COMMIT will fail (a deferred foreign key, or its own connection killed). */
  breakCommit(): Promise<void>;
}

export type Framework = "express" | "koa" | "hono";

/** POST /users/:email/:status, POST /throw/:email and POST /broken (answers 201), with the sqlscope middleware. */
export function startApp(framework: Framework, db: SQLScope, routes: BuilderRoutes): Promise<StartedServer> {
  if (framework === "express") return expressApp(db, routes);
  return framework === "koa" ? koaApp(db, routes) : honoApp(db, routes);
}

/**
 * The adapter guarantees for a query builder, over real HTTP: a 201 from a handler that used only the
 * builder is committed when the client sees it; a 4xx, a throw or a failed commit saves nothing; no
 * connection stays borrowed. `db` and `emails` are read when the tests run (after the suite's beforeAll).
 *
 * @example
 * builderHttpTests("express", { db: () => db, routes, emails });
 */
export function builderHttpTests(
  framework: Framework,
  suite: { db: () => SQLScope; routes: BuilderRoutes; emails: () => Promise<string[]> },
): void {
  describe(`through real HTTP (${framework})`, () => {
    const post = async (path: string): Promise<{ status: number; committed: string[] }> => {
      const app = await startApp(framework, suite.db(), suite.routes);
      try {
        const res = await fetch(`${app.url}${path}`, { method: "POST" });
        // Looked at the moment the response arrived, from a connection of its own.
        const committed = await suite.emails();
        await res.arrayBuffer();
        return { status: res.status, committed };
      } finally {
        await app.close();
      }
    };

    it("a 201 from a handler that used only the builder is committed when the client sees it", async () => {
      expect(await post("/users/created@x/201")).toEqual({ status: 201, committed: ["created@x"] });
    });

    it("a 4xx rolls back", async () => {
      expect(await post("/users/conflict@x/409")).toEqual({ status: 409, committed: [] });
    });

    it("a throw rolls back", async () => {
      expect(await post("/throw/thrown@x")).toEqual({ status: 500, committed: [] });
    });

    it("a failed commit becomes a 5xx, with nothing saved", async () => {
      const { status, committed } = await post("/broken");
      expect(status).toBeGreaterThanOrEqual(500);
      expect(committed).toEqual([]);
    });

    it("leaves every connection back in the pool", async () => {
      await post("/users/one@x/201");
      await post("/throw/two@x");
      expect(suite.db().stats()).toMatchObject({ borrowed: 0, pending: 0 });
    });
  });
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
