// A Hono app on @hono/node-server that does not use sqlscope (imports none of it): the shared suite
// compares its bytes in a process where sqlscope serves with a process that never loaded it.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { stream } from "hono/streaming";

export async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.get("/plain/text", (c) => c.text("hello"));
  app.get("/plain/json", (c) => c.json({ a: 1 }, 201));
  app.get("/plain/stream", (c) =>
    stream(c, async (s) => {
      for (const chunk of ["a", "b", "c"]) await s.write(chunk);
    }),
  );
  app.get("/plain/redirect", (c) => c.redirect("/elsewhere"));
  app.post("/plain/echo", async (c) => c.text(await c.req.text()));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
