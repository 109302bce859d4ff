import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { stream } from "hono/streaming";
import { listen, runAdapterSuite, type RouteResponse } from "@sqlscope/test-support";
import { sqlscope } from "../src/index.ts";

runAdapterSuite({
  name: "hono",
  start: async (db, routes) => {
    const app = new Hono();
    app.onError((_error, c) => c.text("Internal Server Error", 500));
    app.use(sqlscope(db));
    for (const route of routes) {
      app.on(route.method, route.path, async (c) => send(c, await route.handle({ url: new URL(c.req.url) })));
    }
    return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
  },
});

function send(c: Context, out: RouteResponse): Response {
  c.status(out.status as 200);
  for (const [name, value] of Object.entries(out.headers ?? {})) c.header(name, value);
  const { chunks } = out;
  if (chunks !== undefined) {
    return stream(c, async (s) => {
      for (const chunk of chunks) await s.write(chunk);
    });
  }
  return out.body === undefined ? c.body(null) : c.body(out.body);
}
