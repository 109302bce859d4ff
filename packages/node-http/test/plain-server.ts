// A node:http server that does not use sqlscope (imports none of it): the shared suite compares its
// bytes in a process where sqlscope serves with a process that never loaded it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function start(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    switch (`${req.method} ${req.url}`) {
      case "GET /plain/text":
      case "HEAD /plain/text":
        res.writeHead(200, { "content-type": "text/plain" }).end("hello");
        return;
      case "GET /plain/json":
        res.statusCode = 201;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ a: 1 }));
        return;
      case "GET /plain/stream":
        res.setHeader("content-type", "text/plain");
        res.write("a");
        setImmediate(() => {
          res.write("b");
          setImmediate(() => res.end("c"));
        });
        return;
      case "GET /plain/redirect":
        res.writeHead(302, { location: "/elsewhere" }).end();
        return;
      case "POST /plain/echo": {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => res.end(body));
        return;
      }
      default:
        res.writeHead(404).end("not found");
    }
  });
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
