import express, { type Express, type Response } from "express";
import type { RouteResponse, RouteSpec } from "@sqlscope/test-support";

/**
 * Mounts the suite's routes the way an Express user writes them, on `lib`'s own Router. Express 5
 * passes a rejected handler's error to next(); Express 4 does not, so its users write the .catch(next)
 * that `asyncErrors` adds (without it a throwing async route leaves the request hanging on either).
 */
export function mountRoutes(app: Express, routes: readonly RouteSpec[], lib: typeof express = express, asyncErrors = false): void {
  const router = lib.Router();
  for (const route of routes) {
    const run = async (req: express.Request, res: Response) => {
      const url = new URL(req.originalUrl, "http://127.0.0.1");
      send(res, await route.handle({ url }));
    };
    const handler = asyncErrors ? (req: express.Request, res: Response, next: express.NextFunction) => run(req, res).catch(next) : run;
    if (route.method === "GET") router.get(route.path, handler);
    else router.post(route.path, handler);
  }
  app.use(router);
}

function send(res: Response, out: RouteResponse): void {
  res.status(out.status);
  if (out.headers !== undefined) res.set(out.headers);
  if (out.chunks === undefined) {
    if (out.body === undefined) res.end();
    else res.send(out.body);
    return;
  }
  // Chunked streaming straight through res.write, ignoring backpressure like much real code does.
  for (const chunk of out.chunks) res.write(chunk);
  res.end();
}
