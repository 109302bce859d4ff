import type { Server } from "node:http";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { Reply, Route } from "../config.ts";
import type { Peer } from "../peer.ts";
import { bareStorage, callRoute, requirePart, type BuildServer } from "./common.ts";

type Trx = Awaited<ReturnType<Peer["begin"]>>;

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
      const open = new WeakMap<FastifyRequest, Trx>();
      const settle = async (req: FastifyRequest, status: number) => {
        const trx = open.get(req);
        if (trx === undefined) return;
        open.delete(req);
        await peer.end(trx, status);
      };
      // The shape of @fastify/request-context: enter the storage in onRequest, settle before the send.
      app.addHook("onRequest", (req, _reply, done) => {
        peer.begin().then((trx) => {
          open.set(req, trx);
          peer.run(trx, done);
        }, done);
      });
      app.addHook("onSend", async (req, reply, payload) => {
        await settle(req, reply.statusCode);
        return payload;
      });
      app.addHook("onResponse", async (req) => settle(req, 500));
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
