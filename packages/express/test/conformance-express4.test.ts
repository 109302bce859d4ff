// The same shared adapter suite on Express 4 (the peer range admits ^4.18 and ^5).
import express4 from "express4";
import { createServer } from "node:http";
import { listen, runAdapterSuite } from "@sqlscope/test-support";
import { sqlscope, sqlscopeErrors } from "../src/index.ts";
import { mountRoutes } from "./routes.ts";

runAdapterSuite({
  name: "express 4",
  start: async (db, routes) => {
    const app = express4();
    app.use(sqlscope(db));
    mountRoutes(app, routes, express4, true);
    app.use(sqlscopeErrors());
    return listen(createServer(app));
  },
});
