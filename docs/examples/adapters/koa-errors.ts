// An error middleware for the Koa page: mounted outermost, it also sees the CommitFailedError sqlscope throws.
import type { Middleware } from "koa";
import { SQLScopeError } from "@sqlscope/core";

/** Answers `{ error: code }` with the error's status (sqlscope sets 500 or 503), else 500. */
export const errors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    ctx.status = typeof status === "number" && status >= 400 && status <= 599 ? status : 500;
    ctx.body = { error: error instanceof SQLScopeError ? error.code : "internal" };
  }
};
