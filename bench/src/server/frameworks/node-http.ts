import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Reply, Route } from "../config.ts";
import { bareStorage, callRoute, deliver, peerTransaction, requirePart, type BuildServer } from "./common.ts";

const ROUTE_OF: Record<string, Route> = { read: "read", update: "update", nodb: "nodb", error: "error" };

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { "content-type": "application/json" });
  res.end(JSON.stringify(reply.body));
}

function fail(res: ServerResponse): (error: unknown) => void {
  return () => {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error");
    }
  };
}

/** node:http: the server's own request listener, routing on the first path segment. */
export const buildNodeHttp: BuildServer = async (parts) => {
  const { handlers } = parts;
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const slash = url.indexOf("/", 1);
    const route = ROUTE_OF[slash === -1 ? url.slice(1) : url.slice(1, slash)];
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    const id = slash === -1 ? 0 : Number(url.slice(slash + 1));
    let result;
    try {
      result = callRoute(handlers, route, id);
    } catch (error) {
      fail(res)(error);
      return;
    }
    deliver(result, (reply) => send(res, reply), fail(res));
  };
  switch (parts.variant) {
    case "B1":
      return createServer(dispatch);
    case "B1a":
      return createServer((req, res) => bareStorage.run({}, dispatch, req, res));
    case "L": {
      const { withScope } = (await import("@sqlscope/node-http")) as unknown as {
        withScope(
          db: unknown,
          handler: (req: IncomingMessage, res: ServerResponse) => void,
        ): (req: IncomingMessage, res: ServerResponse) => void;
      };
      return createServer(withScope(requirePart(parts.registry, "registry"), dispatch));
    }
    case "P": {
      const peer = requirePart(parts.peer, "peer");
      return createServer((req, res) => peerTransaction(peer, res, () => dispatch(req, res), fail(res)));
    }
  }
};
