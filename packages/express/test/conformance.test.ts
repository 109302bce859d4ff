import express from "express";
import { createServer } from "node:http";
import { listen, runAdapterSuite } from "@sqlscope/test-support";
import { sqlscope, sqlscopeErrors } from "../src/index.ts";
import { mountRoutes } from "./routes.ts";

runAdapterSuite({
  name: "express",
  start: async (db, routes) => {
    const app = express();
    app.use(sqlscope(db));
    mountRoutes(app, routes);
    app.use(sqlscopeErrors());
    return listen(createServer(app));
  },
});
