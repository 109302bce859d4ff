// app.ts
import express from "express";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { errorHandler } from "./errors.ts";
import { users } from "./users.ts";

export function createApp(db: SQLScope) {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db));
  app.use("/users", users);
  app.use(errorHandler);
  return app;
}
