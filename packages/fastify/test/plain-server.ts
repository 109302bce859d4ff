// A Fastify app that does not use sqlscope (imports none of it): the shared suite compares its bytes
// in a process where sqlscope serves with a process that never loaded it.
import { PassThrough } from "node:stream";
import Fastify from "fastify";

export async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ forceCloseConnections: true });
  app.get("/plain/text", async (_request, reply) => reply.type("text/plain").send("hello"));
  app.get("/plain/json", async (_request, reply) => reply.code(201).send({ a: 1 }));
  app.get("/plain/stream", async (_request, reply) => {
    const body = new PassThrough();
    body.write("a");
    setImmediate(() => {
      body.write("b");
      setImmediate(() => body.end("c"));
    });
    return reply.type("text/plain").send(body);
  });
  app.get("/plain/redirect", async (_request, reply) => reply.redirect("/elsewhere"));
  app.post("/plain/echo", async (request) => request.body as string);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}
