import { createServer } from "node:http";
import { Readable } from "node:stream";
import type Koa from "koa";
import Router from "@koa/router";
import { listen, type AdapterHarness, type RouteResponse } from "@sqlscope/test-support";
import { sqlscope } from "../src/index.ts";

/** The adapter suite's harness for a given Koa major (the class is passed in: koa or koa2). */
export function koaHarness(name: string, KoaClass: typeof Koa): AdapterHarness {
  return {
    name,
    start: async (db, routes) => {
      const app = new KoaClass();
      app.silent = true;
      app.use(sqlscope(db));
      const router = new Router();
      for (const route of routes) {
        router[route.method === "GET" ? "get" : "post"](route.path, async (ctx) => {
          send(ctx, await route.handle({ url: new URL(ctx.originalUrl, "http://127.0.0.1") }));
        });
      }
      app.use(router.routes());
      return listen(createServer(app.callback()));
    },
  };
}

function send(ctx: Koa.Context, out: RouteResponse): void {
  ctx.status = out.status;
  if (out.headers !== undefined) ctx.set(out.headers);
  if (out.chunks !== undefined) ctx.body = Readable.from(out.chunks);
  else if (out.body !== undefined) ctx.body = out.body;
}
