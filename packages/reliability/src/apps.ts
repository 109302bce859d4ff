import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/express";
import { withScope } from "@sqlscope/node-http";
import { listen, type StartedServer } from "@sqlscope/test-support";
import express, { type ErrorRequestHandler } from "express";
import { ROUTES, routeFor, type RouteContext } from "./routes.ts";

export type AppKind = "express" | "node-http";

/**
 * The scenario routes behind a real HTTP server on 127.0.0.1: Express 5 with sqlscope(db) and
 * sqlscopeErrors(), or plain node:http with withScope(db, handler).
 *
 * @example
 * const app = await startApp("express", db, ctx);
 * await send(`${app.url}/write?tag=a`);
 * await app.close();
 */
export function startApp(kind: AppKind, db: SQLScope, ctx: RouteContext): Promise<StartedServer> {
  return listen(appServer(kind, db, ctx));
}

/** The same app as startApp(), not listening yet: for a process that runs its own shutdown order. */
export function appServer(kind: AppKind, db: SQLScope, ctx: RouteContext): Server {
  return kind === "express" ? expressServer(db, ctx) : nodeHttpServer(db, ctx);
}

function expressServer(db: SQLScope, ctx: RouteContext): Server {
  const app = express();
  app.use(sqlscope(db));
  for (const [path, handler] of Object.entries(ROUTES)) {
    app.post(path, (req, res) => handler(req, res, new URL(req.originalUrl, "http://x"), ctx));
  }
  app.use(sqlscopeErrors());
  // Like Express's final handler, without printing every deliberate failure: a cut-off response is
  // destroyed so the client cannot take it for a complete one.
  // The error's own 4xx/5xx status counts, as in Express's default handler (ShutdownError is a 503).
  const last: ErrorRequestHandler = (error: { status?: unknown }, _req, res, _next) => {
    if (res.headersSent) res.destroy();
    else
      res
        .status(typeof error?.status === "number" && error.status >= 400 ? error.status : 500)
        .type("text/plain")
        .send("scenario failed");
  };
  app.use(last);
  return createServer(app);
}

function nodeHttpServer(db: SQLScope, ctx: RouteContext): Server {
  const handler = withScope(db, async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const route = routeFor(url.pathname);
    if (route === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    await route(req, res, url, ctx);
  });
  return createServer((req, res) => void handler(req, res));
}
