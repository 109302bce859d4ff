import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from "node:http";

export interface ClientResponse<T> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What `atHead` returned the moment the status line arrived (before any body was read). */
  readonly atHead: T;
  /** What `atFirstChunk` returned when the first body bytes arrived. */
  readonly atFirstChunk: T | undefined;
}

export interface RequestOptions<T> {
  method?: "GET" | "POST";
  atHead?: () => T;
  atFirstChunk?: () => T;
}

/** One request on its own socket (no keep-alive), the body read to the end. */
export function request<T = undefined>(url: string, options: RequestOptions<T> = {}): Promise<ClientResponse<T>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", agent: false }, (res) => {
      const atHead = options.atHead?.() as T;
      let atFirstChunk: T | undefined;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (chunks.length === 0 && options.atFirstChunk !== undefined) atFirstChunk = options.atFirstChunk();
        chunks.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          atHead,
          atFirstChunk,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Starts a request and returns it without waiting: the test destroys it to play a client that leaves. */
export function startRequest(url: string, method: "GET" | "POST"): ClientRequest {
  const req = httpRequest(url, { method, agent: false });
  req.on("error", () => undefined); // destroying it on purpose raises ECONNRESET here
  req.end();
  return req;
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
export async function waitFor(check: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
