import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { stream } from "hono/streaming";
import { intentPicker, listen, runAdapterSuite, type RouteResponse, type RouteSpec } from "@sqlscope/test-support";
import * as adapter from "../src/index.ts";

runAdapterSuite({
  name: "hono",
  package: { dir: new URL("../", import.meta.url) },
  plainServer: new URL("./plain-server.ts", import.meta.url),
  start: async (db, routes, options = {}) => {
    const inner = (options.adapter as typeof adapter | undefined) ?? adapter;
    const lenient = options.lenientErrors === true;
    const app = new Hono();
    app.onError((_error, c) => (lenient ? c.text("fine", 200) : c.text("Internal Server Error", 500)));
    if (lenient) {
      // An outer middleware that papers over any error with a 200.
      app.use(async (c, next) => {
        await next();
        if (c.error !== undefined) c.res = new Response("fine", { status: 200 });
      });
    }
    if (options.errorMapper === true) app.use(inner.sqlscopeErrors(db));
    const commitOptions: adapter.HonoSQLScopeOptions = lenient
      ? { onCommitError: (_error, c) => c.text("fine", 200) }
      : {};
    const pick = intentPicker(options);
    if (pick !== undefined) commitOptions.intent = (c) => pick(c.req.path, c.req.method);
    if (options.nested === undefined) {
      app.use(inner.sqlscope(db, commitOptions));
      addRoutes(app, routes);
    } else {
      // A sub-app that mounts it again, routed with app.route().
      app.use(adapter.sqlscope(db, commitOptions));
      const sub = new Hono();
      sub.use(inner.sqlscope(options.nested, commitOptions));
      addRoutes(sub, routes);
      app.route("/", sub);
    }
    return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
  },
});

function addRoutes(app: Hono, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.on(route.method, route.path, async (c) => send(c, await route.handle({ url: new URL(c.req.url) })));
  }
}

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
