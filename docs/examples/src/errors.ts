// errors.md: mapping sqlscope's errors to statuses in an Express error handler.
import type { ErrorRequestHandler } from "express";
import { ConstraintError, NotFoundError, PoolTimeoutError } from "@sqlscope/core";

// docs:start handler
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  if (error instanceof NotFoundError) res.status(404).json({ error: "not found" });
  else if (error instanceof ConstraintError && error.constraint === "unique") res.status(409).end();
  else if (error instanceof PoolTimeoutError) res.status(503).end();
  else res.status(500).end();
};
// docs:end
