import { Readable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { intentPicker, runAdapterSuite, type RouteResponse, type RouteSpec } from "@sqlscope/test-support";
import * as adapter from "../src/index.ts";

runAdapterSuite({
  name: "fastify",
  package: { dir: new URL("../", import.meta.url) },
  plainServer: new URL("./plain-server.ts", import.meta.url),
  start: async (db, routes, options = {}) => {
    const inner = (options.adapter as typeof adapter | undefined) ?? adapter;
    const app = Fastify({ forceCloseConnections: true });
    if (options.lenientErrors === true) app.setErrorHandler((_error, _request, reply) => reply.code(200).send("fine"));
    if (options.errorMapper === true) app.setErrorHandler(inner.sqlscopeErrors(db));
    const nested = options.nested;
    if (nested === undefined) {
      const pick = intentPicker(options);
      await app.register(
        inner.sqlscope,
        pick === undefined
          ? { db }
          : { db, intent: (request) => pick(request.url.split("?")[0] ?? "", request.method) },
      );
      addRoutes(app, routes);
    } else {
      // An encapsulated plugin that registers it again.
      await app.register(adapter.sqlscope, { db });
      await app.register(async (child) => {
        await child.register(inner.sqlscope, { db: nested });
        addRoutes(child, routes);
      });
    }
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    return { url, close: () => app.close() };
  },
});

function addRoutes(app: FastifyInstance, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request: FastifyRequest, reply: FastifyReply) =>
        send(reply, await route.handle({ url: new URL(request.url, "http://127.0.0.1") })),
    });
  }
}

function send(reply: FastifyReply, out: RouteResponse): FastifyReply {
  reply.code(out.status);
  if (out.headers !== undefined) reply.headers(out.headers);
  if (out.chunks !== undefined) return reply.send(Readable.from(out.chunks));
  return reply.send(out.body ?? "");
}
