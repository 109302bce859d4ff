import { createServer } from "node:http";
import { Readable } from "node:stream";
import type Koa from "koa";
import mount from "koa-mount";
import Router from "@koa/router";
import { intentPicker, listen, type AdapterHarness, type RouteResponse, type RouteSpec } from "@sqlscope/test-support";
import * as adapter from "../src/index.ts";

/** The adapter suite's harness for a given Koa major (the class is passed in: koa or koa2). */
export function koaHarness(name: string, KoaClass: typeof Koa): AdapterHarness {
  return {
    name,
    package: { dir: new URL("../", import.meta.url) },
    plainServer: new URL(name === "koa 2" ? "./plain-server-2.ts" : "./plain-server.ts", import.meta.url),
    start: async (db, routes, options = {}) => {
      const inner = (options.adapter as typeof adapter | undefined) ?? adapter;
      const app = new KoaClass();
      app.silent = true;
      if (options.lenientErrors === true) {
        // An outermost error middleware that answers every error 200.
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch {
            ctx.status = 200;
            ctx.body = "fine";
          }
        });
      }
      if (options.errorMapper === true) app.use(inner.sqlscopeErrors(db));
      if (options.nested === undefined) {
        const pick = intentPicker(options);
        app.use(
          inner.sqlscope<Koa.Context>(db, pick === undefined ? {} : { intent: (ctx) => pick(ctx.path, ctx.method) }),
        );
        app.use(routesRouter(routes).routes());
      } else {
        // A sub-app (koa-mount) that mounts it again, and a router inside that does too.
        app.use(adapter.sqlscope(db));
        const sub = new KoaClass();
        sub.use(inner.sqlscope(options.nested));
        const router = routesRouter(routes);
        sub.use(inner.sqlscope(options.nested));
        sub.use(router.routes());
        app.use(mount(sub as unknown as Koa));
      }
      return listen(createServer(app.callback()));
    },
  };
}

function routesRouter(routes: readonly RouteSpec[]): Router {
  const router = new Router();
  for (const route of routes) {
    router[route.method === "GET" ? "get" : "post"](route.path, async (ctx) => {
      send(ctx, await route.handle({ url: new URL(ctx.originalUrl, "http://127.0.0.1") }));
    });
  }
  return router;
}

function send(ctx: Koa.Context, out: RouteResponse): void {
  ctx.status = out.status;
  if (out.headers !== undefined) ctx.set(out.headers);
  if (out.chunks !== undefined) ctx.body = Readable.from(out.chunks);
  else if (out.body !== undefined) ctx.body = out.body;
}
