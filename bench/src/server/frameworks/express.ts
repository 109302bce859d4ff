import { createServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Route } from "../config.ts";
import { bareStorage, callRoute, deliver, peerTransaction, requirePart, type BuildServer } from "./common.ts";

/** Express 5 with one route per path; the variant decides the middleware mounted before them. */
export const buildExpress: BuildServer = async (parts) => {
  const app = express();
  switch (parts.variant) {
    case "B1":
      break;
    case "B1a":
      app.use((_req, _res, next) => bareStorage.run({}, next));
      break;
    case "L": {
      const { sqlscope } = (await import("@sqlscope/express")) as unknown as {
        sqlscope(db: unknown): (req: Request, res: Response, next: NextFunction) => void;
      };
      app.use(sqlscope(requirePart(parts.registry, "registry")));
      break;
    }
    case "P": {
      const peer = requirePart(parts.peer, "peer");
      app.use((_req, res, next) => peerTransaction(peer, res, next, next));
      break;
    }
  }
  const handle = (route: Route) => (req: Request, res: Response, next: NextFunction) => {
    deliver(
      callRoute(parts.handlers, route, Number(req.params["id"] ?? 0)),
      (reply) => res.status(reply.status).json(reply.body),
      next,
    );
  };
  app.get("/read/:id", handle("read"));
  app.post("/update/:id", handle("update"));
  app.get("/nodb", handle("nodb"));
  app.post("/error/:id", handle("error"));
  return createServer(app);
};
