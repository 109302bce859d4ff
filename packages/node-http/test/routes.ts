import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { setImmediate as tick } from "node:timers/promises";
import type { RouteResponse, RouteSpec } from "@sqlscope/test-support";
import type { NodeHandler } from "../src/index.ts";

/** The suite's routes as a plain node:http handler: the mapping every node-http user writes by hand. */
export function router(routes: readonly RouteSpec[]): NodeHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    await send(res, await route.handle({ url }));
  };
}

async function send(res: ServerResponse, out: RouteResponse): Promise<void> {
  res.writeHead(out.status, out.headers);
  if (out.chunks === undefined) {
    res.end(out.body);
    return;
  }
  for (const chunk of out.chunks) {
    // Honour backpressure like a careful handler: the gate answers false while it holds the head.
    if (!res.write(chunk)) await once(res, "drain");
    await tick();
  }
  res.end();
}
