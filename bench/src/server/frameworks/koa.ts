import { createServer } from "node:http";
import Koa, { type Middleware } from "koa";
import type { Reply, Route } from "../config.ts";
import { bareStorage, callRoute, requirePart, type BuildServer } from "./common.ts";

const ROUTE_OF: Record<string, Route> = { read: "read", update: "update", nodb: "nodb", error: "error" };

/** Koa 3; routing is a split of the path (no router package), the same for every variant. */
export const buildKoa: BuildServer = async (parts) => {
  const app = new Koa();
  switch (parts.variant) {
    case "B1":
      break;
    case "B1a":
      app.use((_ctx, next) => bareStorage.run({}, next));
      break;
    case "L": {
      const { sqlscope } = await import("@sqlscope/koa");
      app.use(sqlscope(requirePart(parts.registry, "registry")) as unknown as Middleware);
      break;
    }
    case "P": {
      const peer = requirePart(parts.peer, "peer");
      app.use(async (ctx, next) => {
        const trx = await peer.begin();
        try {
          await peer.run(trx, next);
        } catch (error) {
          await peer.end(trx, 500);
          throw error;
        }
        await peer.end(trx, ctx.status);
      });
      break;
    }
  }
  app.use((ctx) => {
    const [, name = "", idText = "0"] = ctx.path.split("/");
    const route = ROUTE_OF[name];
    if (route === undefined) return;
    const set = (reply: Reply) => {
      ctx.status = reply.status;
      ctx.body = reply.body;
    };
    const result = callRoute(parts.handlers, route, Number(idText));
    if (result instanceof Promise) return result.then(set);
    set(result);
    return undefined;
  });
  return createServer(app.callback());
};
