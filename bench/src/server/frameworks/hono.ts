import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Reply, Route } from "../config.ts";
import { bareStorage, callRoute, requirePart, type BuildServer } from "./common.ts";

/** Hono 4 on @hono/node-server. */
export const buildHono: BuildServer = async (parts) => {
  const app = new Hono();
  switch (parts.variant) {
    case "B1":
      break;
    case "B1a":
      app.use((_c, next) => bareStorage.run({}, next));
      break;
    case "L": {
      const { sqlscope } = await import("@sqlscope/hono");
      app.use(sqlscope(requirePart(parts.registry, "registry") as never));
      break;
    }
    case "P": {
      const peer = requirePart(parts.peer, "peer");
      app.use(async (c, next) => {
        const trx = await peer.begin();
        try {
          await peer.run(trx, next);
        } catch (error) {
          await peer.end(trx, 500);
          throw error;
        }
        await peer.end(trx, c.error === undefined ? c.res.status : 500);
      });
      break;
    }
  }
  const handle = (route: Route) => (c: Context) => {
    const toResponse = (reply: Reply) => c.json(reply.body as object, reply.status as ContentfulStatusCode);
    const result = callRoute(parts.handlers, route, Number(c.req.param("id") ?? 0));
    return result instanceof Promise ? result.then(toResponse) : toResponse(result);
  };
  app.get("/read/:id", handle("read"));
  app.post("/update/:id", handle("update"));
  app.get("/nodb", handle("nodb"));
  app.post("/error/:id", handle("error"));
  return createAdaptorServer({ fetch: app.fetch }) as Server;
};
