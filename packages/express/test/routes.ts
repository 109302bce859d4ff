import type { ErrorRequestHandler, NextFunction, Request, Response, Router } from "express";
import type { RouteResponse, RouteSpec } from "@sqlscope/test-support";

/** The express() function of Express 4 or 5 (both are tested; their API is the same here). */
export type ExpressModule = typeof import("express");

/** Mounts the suite's routes the way an Express user writes them, on a router of `express`. */
export function routesRouter(express: ExpressModule, routes: readonly RouteSpec[]): Router {
  const router = express.Router();
  for (const route of routes) {
    // Promise rejections go to next() by hand: Express 4 does not catch them itself.
    const handler = (req: Request, res: Response, next: NextFunction) => {
      const url = new URL(req.originalUrl, "http://127.0.0.1");
      route.handle({ url }).then((out) => send(res, out), next);
    };
    if (route.method === "GET") router.get(route.path, handler);
    else router.post(route.path, handler);
  }
  return router;
}

/** An error handler that says "fine" to every error: the lenient app of the suite. */
export const answer200: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(200).send("fine");
};

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
