import { createServer } from "node:http";
import { listen, runAdapterSuite } from "@sqlscope/test-support";
import { withScope } from "../src/index.ts";
import { router } from "./routes.ts";

runAdapterSuite({
  name: "node-http",
  start: async (db, routes) => listen(createServer(withScope(db, router(routes)))),
});
