import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { SQLScope } from "@sqlscope/core";
import { mappedError, reportWarning } from "@sqlscope/core/adapter";

/**
 * A Fastify error handler (`app.setErrorHandler(sqlscopeErrors(db))`) that answers sqlscope's own
 * errors with the status they stand for and a short plain-text body that says nothing of the
 * database: `NotFoundError` 404, a unique violation 409, another `ConstraintError` 422, a pool
 * timeout 503 with `Retry-After`, any other (a failed query or commit, a lost connection, a
 * `ParameterError`) 500. With `db`, the 5xx go to its onWarning. Every other error is rethrown, which
 * hands it untouched to the parent error handler (Fastify's default at the root).
 *
 * @example
 * await app.register(sqlscope, { db });
 * app.setErrorHandler(sqlscopeErrors(db));
 */
export function sqlscopeErrors(
  db?: SQLScope,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return function sqlscopeErrorHandler(error, _request, reply) {
    const mapped = mappedError(error);
    if (mapped === undefined || reply.sent) throw error;
    if (mapped.serverError && db) reportWarning(db, error);
    void reply.code(mapped.status).headers(mapped.headers).send(mapped.body);
  };
}
