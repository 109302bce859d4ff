import { Agent, request } from "node:http";

/** What the client under load saw: a complete response, or a failure (reset, truncated body, abort). */
export type Outcome =
  | { readonly kind: "response"; readonly status: number; readonly body: string; readonly ms: number }
  | { readonly kind: "failed"; readonly error: string; readonly ms: number };

export interface SendOptions {
  readonly method?: "GET" | "POST";
  readonly agent?: Agent | false;
  /** Destroys the request after this many ms (a client that gives up mid-request). */
  readonly abortAfterMs?: number;
}

/**
 * One HTTP request over a real socket; never rejects. A response counts only when its body arrived
 * complete: a head followed by a reset is a failure, as a real client would treat it.
 *
 * @example
 * const outcome = await send(`${base}/write?tag=a1`);
 * if (outcome.kind === "response" && outcome.status === 201) ...
 */
export function send(url: string, options: SendOptions = {}): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(url, { method: options.method ?? "POST", agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => done({ kind: "failed", error: `body: ${error.message}`, ms: ms() }));
      res.on("aborted", () => done({ kind: "failed", error: "body aborted", ms: ms() }));
      res.on("end", () => {
        if (!res.complete) done({ kind: "failed", error: "body incomplete", ms: ms() });
        else
          done({
            kind: "response",
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: ms(),
          });
      });
    });
    const timer =
      options.abortAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            req.destroy();
            done({ kind: "failed", error: "aborted by the client", ms: ms() });
          }, options.abortAfterMs);
    req.on("error", (error) => done({ kind: "failed", error: error.message, ms: ms() }));
    req.end();
  });
}

/** True for a complete 2xx response. */
export function isSuccess(outcome: Outcome): boolean {
  return outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300;
}

/** The status of a complete response, or "failed". */
export function statusOf(outcome: Outcome): number | "failed" {
  return outcome.kind === "response" ? outcome.status : "failed";
}
