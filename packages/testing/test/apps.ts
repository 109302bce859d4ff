// The same small app on Express, Koa and Hono, served over real sockets on 127.0.0.1. Each route
// writes one row of `items` and then ends the way the test needs: 201 (commit), a thrown error (500),
// 409 (rolled back by status), a 201 after a swallowed failed statement, or a slow 201 that keeps its
// turn long enough for others to queue.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { getSession, type SQLScope } from "@sqlscope/core";
import { sqlscope as expressScope } from "@sqlscope/express";
import { sqlscope as honoScope } from "@sqlscope/hono";
import { sqlscope as koaScope } from "@sqlscope/koa";
import express from "express";
import { Hono } from "hono";
import Koa from "koa";

export interface Reply {
  status: number;
  body: unknown;
}

/** One route of the app: what it does inside the request's scope. */
async function handle(method: string, path: string, name: string | null): Promise<Reply> {
  const s = getSession();
  const insert = () => s.execute("INSERT INTO items (name) VALUES (?)", [name ?? "unnamed"]);
  switch (`${method} ${path}`) {
    case "GET /items":
      return {
        status: 200,
        body: (await s.select<{ name: string }>("SELECT name FROM items ORDER BY id")).map((r) => r.name),
      };
    case "POST /items":
      await insert();
      return { status: 201, body: { ok: true } };
    case "POST /fail":
      await insert();
      throw new Error("the handler failed after writing");
    case "POST /conflict":
      await insert();
      return { status: 409, body: { ok: false } };
    case "POST /swallow":
      // Catching a failed statement and answering 2xx: SQLite commits the rest, PostgreSQL refuses the COMMIT.
      await insert();
      await insert().catch(() => undefined);
      return { status: 201, body: { ok: true } };
    case "POST /slow":
      await insert();
      // Holding the turn a little makes parallel requests queue behind this one.
      await new Promise((resolve) => setTimeout(resolve, 25));
      await s.selectValue("SELECT count(*) FROM items");
      return { status: 201, body: { ok: true } };
    default:
      return { status: 404, body: { error: "no route" } };
  }
}

export type Framework = "express" | "koa" | "hono";
export const FRAMEWORKS: readonly Framework[] = ["express", "koa", "hono"];

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

export async function startApp(framework: Framework, db: SQLScope): Promise<RunningApp> {
  switch (framework) {
    case "express": {
      const app = express();
      app.use(expressScope(db));
      app.use(async (req, res) => {
        const reply = await handle(req.method, req.path, typeof req.query.name === "string" ? req.query.name : null);
        res.status(reply.status).json(reply.body);
      });
      app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ error: "failed" });
      });
      return listen(createServer(app));
    }
    case "koa": {
      const app = new Koa();
      app.silent = true;
      app.use(koaScope(db));
      app.use(async (ctx) => {
        const reply = await handle(ctx.method, ctx.path, typeof ctx.query.name === "string" ? ctx.query.name : null);
        ctx.status = reply.status;
        ctx.body = reply.body;
      });
      return listen(createServer(app.callback()));
    }
    case "hono": {
      const app = new Hono();
      app.use(honoScope(db));
      app.onError((_error, c) => c.json({ error: "failed" }, 500));
      app.all("*", async (c) => {
        const url = new URL(c.req.url);
        const reply = await handle(c.req.method, url.pathname, url.searchParams.get("name"));
        return c.json(reply.body as object, reply.status as 200);
      });
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    }
  }
}

function listen(server: Server): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Sends a request and returns status and JSON body. */
export async function call(app: RunningApp, method: string, path: string): Promise<Reply> {
  const response = await fetch(`${app.url}${path}`, { method });
  const text = await response.text();
  const json = response.headers.get("content-type")?.includes("json") === true;
  return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text };
}
