import { createServer } from "node:http";
import { intentPicker, listen, runAdapterSuite } from "@sqlscope/test-support";
import * as adapter from "../src/index.ts";
import { router } from "./routes.ts";

runAdapterSuite({
  name: "node-http",
  package: { dir: new URL("../", import.meta.url) },
  plainServer: new URL("./plain-server.ts", import.meta.url),
  start: async (db, routes, options = {}) => {
    const inner = (options.adapter as typeof adapter | undefined) ?? adapter;
    const lenient: adapter.ScopeOptions =
      options.lenientErrors === true ? { onCommitError: answer200, onError: answer200 } : {};
    if (options.errorMapper === true) lenient.onError = inner.sqlscopeErrors(db);
    const pick = intentPicker(options);
    if (pick !== undefined)
      lenient.intent = (req) => pick(new URL(req.url ?? "/", "http://x").pathname, req.method ?? "GET");
    const handler = router(routes);
    const served =
      options.nested === undefined
        ? inner.withScope(db, handler, lenient)
        : adapter.withScope(db, inner.withScope(options.nested, handler, lenient), lenient);
    return listen(createServer(served));
  },
});

/** An app whose error handling says "fine" to everything. */
function answer200(_error: unknown, _req: unknown, res: import("node:http").ServerResponse): void {
  res.statusCode = 200;
  res.end("fine");
}
