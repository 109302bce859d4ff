import type { TransactionIntent } from "../driver.ts";

/**
 * What an adapter option may say about a request's transaction: always read, always write, or decided
 * per request (by route, header, ...).
 */
export type IntentOption<Req> = TransactionIntent | ((req: Req) => TransactionIntent);

/**
 * The intent an HTTP method stands for: safe methods (GET, HEAD, OPTIONS, TRACE) only read, so their
 * transactions stay deferred and run side by side; every other method may write, so on SQLite its
 * transaction takes the write lock at its first statement and cannot fail to upgrade later.
 *
 * @example
 * db.createScope({ intent: methodIntent(req.method) });
 */
export function methodIntent(method: string | undefined): TransactionIntent {
  switch (method) {
    case "GET":
    case "HEAD":
    case "OPTIONS":
    case "TRACE":
      return "read";
    default:
      return "write";
  }
}

/**
 * The intent of one request: the adapter option when given (a function is called with the request),
 * otherwise the method's.
 *
 * @example
 * const scope = db.createScope({ intent: requestIntent(options.intent, req, req.method) });
 */
export function requestIntent<Req>(
  option: IntentOption<Req> | undefined,
  req: Req,
  method: string | undefined,
): TransactionIntent {
  if (option === undefined) return methodIntent(method);
  return typeof option === "function" ? option(req) : option;
}
