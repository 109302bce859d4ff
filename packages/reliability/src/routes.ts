import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getSession } from "@sqlscope/core";
import { sleep } from "./eventually.ts";
import type { Rendezvous } from "./rendezvous.ts";

/** What the scenario routes need besides the request. */
export interface RouteContext {
  /** SQL returning the server session id as `id` (pg_backend_pid(), CONNECTION_ID()). */
  readonly backendIdSql: string;
  sleepSql(seconds: number): string;
  readonly rendezvous: Rendezvous;
  /** Routes register "hold the COMMIT of this connection" here; the hooked driver reads it. */
  readonly commitPauses: WeakMap<object, string>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, ctx: RouteContext) => Promise<void>;

function tagOf(url: URL): string {
  const tag = url.searchParams.get("tag");
  if (tag === null) throw new Error("scenario route called without ?tag=");
  return tag;
}

function intOf(url: URL, name: string, fallback: number): number {
  const value = url.searchParams.get(name);
  return value === null ? fallback : Number(value);
}

async function insert(tag: string, seq = 0): Promise<void> {
  await getSession().execute("INSERT INTO items (tag, seq) VALUES (?, ?)", [tag, seq]);
}

async function backendId(ctx: RouteContext): Promise<number> {
  return Number(await getSession().selectValue(ctx.backendIdSql));
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(body);
}

/**
 * The scenario routes, written against node:http only so Express and plain node-http mount the same
 * code. Every route that writes tags its rows with ?tag=, so the ledger can check each request.
 */
export const ROUTES: Readonly<Record<string, Handler>> = {
  /** n rows (default 1), 201 with the server session id. */
  "/write": async (_req, res, url, ctx) => {
    const tag = tagOf(url);
    const n = intOf(url, "n", 1);
    for (let i = 0; i < n; i++) await insert(tag, i);
    reply(res, 201, String(await backendId(ctx)));
  },
  /** One row, then the given status: a non-2xx must roll it back. */
  "/status": async (_req, res, url) => {
    await insert(tagOf(url));
    reply(res, intOf(url, "code", 200), "status");
  },
  /** Two rows with a pause between them (clients abort in the middle under load). */
  "/slow-write": async (_req, res, url) => {
    const tag = tagOf(url);
    await insert(tag, 0);
    await sleep(intOf(url, "ms", 5));
    await insert(tag, 1);
    reply(res, 201, "ok");
  },
  /** Holds a connection for ?ms, then 200 (pool exhaustion). */
  "/hold": async (_req, res, url, ctx) => {
    const id = await backendId(ctx);
    await sleep(intOf(url, "ms", 100));
    reply(res, 200, String(id));
  },
  /**
   * One row, then parks holding the connection until the test releases it; then (?then=insert) a second
   * statement, or (?then=respond) straight to the 201 whose COMMIT must run on that connection.
   */
  "/park": async (_req, res, url, ctx) => {
    const tag = tagOf(url);
    await insert(tag, 0);
    ctx.rendezvous.arrive(tag, await backendId(ctx));
    await ctx.rendezvous.wait(tag);
    if (url.searchParams.get("then") === "insert") await insert(tag, 1);
    reply(res, 201, "ok");
  },
  /** One row, then a long server-side sleep (killed mid-query by the test). */
  "/sleep": async (_req, res, url, ctx) => {
    const tag = tagOf(url);
    await insert(tag, 0);
    ctx.rendezvous.arrive(tag, await backendId(ctx));
    await getSession().execute(ctx.sleepSql(intOf(url, "seconds", 5)));
    reply(res, 201, "ok");
  },
  /** One row, a 201, and the COMMIT held back until the test releases `commit:<tag>`. */
  "/commit-pause": async (_req, res, url, ctx) => {
    const tag = tagOf(url);
    await insert(tag, 0);
    const id = await backendId(ctx);
    ctx.commitPauses.set(await getSession().connection<object>(), tag);
    ctx.rendezvous.arrive(tag, id);
    reply(res, 201, "ok");
  },
  /** One row and a child whose deferred foreign key fails at COMMIT (PostgreSQL). */
  "/deferred": async (_req, res, url) => {
    const tag = tagOf(url);
    await insert(tag, 0);
    await getSession().execute("INSERT INTO children (tag, parent_id) VALUES (?, ?)", [tag, 424_242]);
    reply(res, 201, "ok");
  },
  /** One row, then a throw before anything was written to the response. */
  "/throw": async (_req, _res, url) => {
    await insert(tagOf(url));
    throw new Error("scenario: handler throws after its insert");
  },
  /** One row, part of a 200 body, then a throw. */
  "/throw-after-write": async (_req, res, url) => {
    await insert(tagOf(url));
    res.statusCode = 200;
    res.write("partial body ");
    await sleep(1);
    throw new Error("scenario: handler throws after a partial write");
  },
  /** One row, then a body stream that fails after two chunks. */
  "/stream-error": async (_req, res, url) => {
    await insert(tagOf(url));
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent++ < 2) this.push(`chunk ${sent}\n`);
        else this.destroy(new Error("scenario: the body stream broke"));
      },
    });
    res.statusCode = 200;
    await pipeline(body, res);
  },
};

/** Finds a route by path; undefined for a path nobody mounted. */
export function routeFor(path: string): Handler | undefined {
  return Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
}
