import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

type WriteHead = (this: ServerResponse, statusCode: number, ...rest: unknown[]) => ServerResponse;

/**
 * After a failed commit: whatever writes this response's head from now on (an error middleware that
 * answers 200, an outer middleware, the framework), the client gets a 5xx. Node writes every head
 * through `writeHead` (an implicit head too), so one own method on this one response covers them all;
 * a status below 500 becomes 500 "Internal Server Error", headers are kept.
 *
 * @example
 * if (!report.ok) { keepServerError(ctx.res); throw report.error; }
 */
export function keepServerError(res: ServerResponse): void {
  const writeHead = res.writeHead as WriteHead;
  res.writeHead = function writeHeadAtLeast500(
    this: ServerResponse,
    statusCode: number,
    ...rest: unknown[]
  ): ServerResponse {
    if (typeof statusCode !== "number" || statusCode >= 500) return writeHead.call(this, statusCode, ...rest);
    // A reason phrase the caller gave (or Koa's "OK" left in statusMessage) would belie the status.
    const headers = typeof rest[0] === "string" ? rest[1] : rest[0];
    return headers === undefined
      ? writeHead.call(this, 500, "Internal Server Error")
      : writeHead.call(this, 500, "Internal Server Error", headers as OutgoingHttpHeaders);
  } as ServerResponse["writeHead"];
}
