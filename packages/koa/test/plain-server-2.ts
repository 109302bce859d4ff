// A Koa app that does not use sqlscope (imports none of it): the shared suite compares its bytes in a
// process where sqlscope serves with a process that never loaded it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import Koa from "koa2";

export async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    switch (`${ctx.method} ${ctx.path}`) {
      case "GET /plain/text":
      case "HEAD /plain/text":
        ctx.type = "text/plain";
        ctx.body = "hello";
        return;
      case "GET /plain/json":
        ctx.status = 201;
        ctx.body = { a: 1 };
        return;
      case "GET /plain/stream": {
        const body = new PassThrough();
        ctx.type = "text/plain";
        ctx.body = body;
        body.write("a");
        setImmediate(() => {
          body.write("b");
          setImmediate(() => body.end("c"));
        });
        return;
      }
      case "GET /plain/redirect":
        ctx.redirect("/elsewhere");
        return;
      case "POST /plain/echo": {
        let text = "";
        ctx.req.setEncoding("utf8");
        for await (const chunk of ctx.req) text += chunk as string;
        ctx.body = text;
        return;
      }
    }
  });
  const server = createServer(app.callback());
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
