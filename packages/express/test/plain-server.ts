// An Express app that does not use sqlscope (imports none of it): the shared suite compares its bytes
// in a process where sqlscope serves (and has hooked Express's prototypes) with a process that never
// loaded it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

export async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get("/plain/text", (_req, res) => void res.type("text/plain").send("hello"));
  app.get("/plain/json", (_req, res) => void res.status(201).json({ a: 1 }));
  app.get("/plain/stream", (_req, res) => {
    res.type("text/plain");
    res.write("a");
    setImmediate(() => {
      res.write("b");
      setImmediate(() => res.end("c"));
    });
  });
  app.get("/plain/redirect", (_req, res) => res.redirect("/elsewhere"));
  app.post("/plain/echo", express.text(), (req, res) => void res.send(req.body as string));
  const server = createServer(app);
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
