import { Readable } from "node:stream";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { runAdapterSuite, type RouteResponse } from "@sqlscope/test-support";
import { sqlscope } from "../src/index.ts";

runAdapterSuite({
  name: "fastify",
  start: async (db, routes) => {
    const app = Fastify({ forceCloseConnections: true });
    await app.register(sqlscope, { db });
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.path,
        handler: async (request: FastifyRequest, reply: FastifyReply) =>
          send(reply, await route.handle({ url: new URL(request.url, "http://127.0.0.1") })),
      });
    }
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, close: () => app.close() };
  },
});

function send(reply: FastifyReply, out: RouteResponse): FastifyReply {
  reply.code(out.status);
  if (out.headers !== undefined) reply.headers(out.headers);
  if (out.chunks !== undefined) return reply.send(Readable.from(out.chunks));
  return reply.send(out.body ?? "");
}
