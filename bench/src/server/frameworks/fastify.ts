import type { Server } from "node:http";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { Reply, Route } from "../config.ts";
import { bareStorage, callRoute, peerTransaction, requirePart, type BuildServer } from "./common.ts";

/** Fastify 5; `fastify.server` is handed back unlistened, the harness listens on it. */
export const buildFastify: BuildServer = async (parts) => {
  const app = Fastify({ logger: false });
  switch (parts.variant) {
    case "B1":
      break;
    case "B1a":
      app.addHook("onRequest", (_req, _reply, done) => bareStorage.run({}, done));
      break;
    case "L": {
      const { sqlscope } = await import("@sqlscope/fastify");
      await app.register(sqlscope, { db: requirePart(parts.registry, "registry") });
      break;
    }
    case "P": {
      const peer = requirePart(parts.peer, "peer");
      // The shape of @fastify/request-context (enter the storage in onRequest) with the transaction
      // settled when the response closes, as for node:http and Express.
      app.addHook("onRequest", (_req, reply, done) =>
        peerTransaction(
          peer,
          reply.raw,
          () => done(),
          (error) => done(error as Error),
        ),
      );
      break;
    }
  }
  const handle = (route: Route) => (req: FastifyRequest, reply: FastifyReply) => {
    const send = (r: Reply) => reply.code(r.status).send(r.body);
    const id = Number((req.params as { id?: string }).id ?? 0);
    const result = callRoute(parts.handlers, route, id);
    return result instanceof Promise ? result.then(send) : send(result);
  };
  app.get("/read/:id", handle("read"));
  app.post("/update/:id", handle("update"));
  app.get("/nodb", handle("nodb"));
  app.post("/error/:id", handle("error"));
  await app.ready();
  return app.server as Server;
};
