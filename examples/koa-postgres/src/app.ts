import Koa from "koa";
import { koaBody } from "koa-body";
import { ConstraintError, NotFoundError, PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/koa";
import { BadRequest, users } from "./users.ts";

/**
 * The application factory: tests build one with their own database.
 *
 * @example
 * createApp(createDatabase(databaseUrl(process.env))).listen(3000);
 */
export function createApp(db: SQLScope): Koa {
  const app = new Koa();
  app.use(errors);
  app.use(koaBody());
  app.use(sqlscope(db)); // one session per request, committed by status before Koa answers
  app.use(users.routes()).use(users.allowedMethods());
  return app;
}

// Outermost, so it also sees what sqlscope throws (a failed commit). Errors reach it after sqlscope
// rolled the request back, so mapping them to statuses is all the error handling handlers need.
const errors: Koa.Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const [status, message] = describe(error);
    ctx.status = status;
    ctx.body = { error: message };
    if (status >= 500) ctx.app.emit("error", error, ctx);
  }
};

function describe(error: unknown): [number, string] {
  if (error instanceof BadRequest) return [400, error.message];
  if (error instanceof NotFoundError) return [404, "not found"];
  if (error instanceof ConstraintError && error.constraint === "unique") return [409, "email already registered"];
  if (error instanceof PoolTimeoutError) return [503, "busy, retry"];
  // koa-body marks malformed JSON with status 400.
  if ((error as { status?: unknown }).status === 400) return [400, "body is not valid JSON"];
  return [500, "internal error"];
}
