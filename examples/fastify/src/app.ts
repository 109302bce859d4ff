import Fastify, { type FastifyInstance } from "fastify";
import { ConstraintError, NotFoundError, PoolTimeoutError, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/fastify";
import { BadRequest, users } from "./users.ts";

/** The application factory: tests build one with their own database. */
export async function createApp(db: SQLScope): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(sqlscope, { db }); // one session per request, committed in onSend by status
  app.setErrorHandler((error, _request, reply) => {
    // The request is rolled back (its status is not 2xx), so mapping errors is all handlers need.
    if (error instanceof BadRequest) return reply.code(400).send({ error: error.message });
    if (error instanceof NotFoundError) return reply.code(404).send({ error: "not found" });
    if (error instanceof ConstraintError && error.constraint === "unique")
      return reply.code(409).send({ error: "email already registered" });
    if (error instanceof PoolTimeoutError) return reply.code(503).send({ error: "busy, retry" });
    // Fastify's own client errors (malformed JSON) carry their status.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return reply.code(status).send({ error: "body is not valid JSON" });
    reply.log.error(error);
    return reply.code(500).send({ error: "internal error" });
  });
  await app.register(users, { prefix: "/users" });
  return app;
}
