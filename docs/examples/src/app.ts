// app.ts
import express from "express";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/express";
import { errorHandler } from "./errors.ts";
import { users } from "./users.ts";

export function createApp(db: SQLScope) {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db));
  app.use("/users", users);
  app.use(errorHandler); // a unique email: 409 saying which field
  app.use(sqlscopeErrors(db)); // the rest of sqlscope's errors: 404, 409, 422, 503, 500
  return app;
}
