import { once } from "node:events";
import { createReadStream, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { AlreadyRegisteredError, getSession, type SQLScope } from "@sqlscope/core";
import { copyPackage, listen, request, SuiteDatabase, waitFor, type StartedServer } from "@sqlscope/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachScope, withScope, type NodeHandler, type ScopeOptions } from "../src/index.ts";
import { hooks } from "../src/hooks/hooks.ts";

const heldResponses = (): number => hooks.heldResponses();

let file: SuiteDatabase;
let db: SQLScope;
let redirectDb: SQLScope;
/** No slow-commit wrapper: the SQLite driver's synchronous commit, so nothing is ever held. */
let syncDb: SQLScope;
const warnings: Error[] = [];
const servers: StartedServer[] = [];
let n = 0;
const tag = () => `gate-${++n}`;

const insert = (t: string, parent: number | null = null) =>
  getSession().execute("INSERT INTO items (tag, parent_id) VALUES (?, ?)", [t, parent]);

async function serve(handler: NodeHandler, options: ScopeOptions = {}, registry: SQLScope = db): Promise<string> {
  const server = await listen(createServer(withScope(registry, handler, options)));
  servers.push(server);
  return server.url;
}

beforeAll(() => {
  file = new SuiteDatabase();
  // Slow commits: a response that left before its commit would show its head while the row is invisible.
  const onWarning = (w: Error) => void warnings.push(w);
  db = file.registry({ commit: "autocommit", slowCommitMs: 20, onWarning });
  redirectDb = file.registry({ commit: "autocommit-include-redirect", slowCommitMs: 20, onWarning });
  syncDb = file.registry({ commit: "autocommit", onWarning });
});

afterEach(async () => {
  for (const registry of [db, redirectDb, syncDb])
    expect(await waitFor(() => registry.stats().borrowed === 0)).toBe(true);
  // The held view is skipped while no response is held: the count must come back to zero.
  expect(await waitFor(() => heldResponses() === 0)).toBe(true);
  file.assertNoOpenTransaction();
  warnings.length = 0;
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await db.close();
  await redirectDb.close();
  await syncDb.close();
  file.close();
});

describe("held head and body", () => {
  it("write() returns false while the head is held, 'drain' follows the commit, callbacks fire", async () => {
    const t = tag();
    const seen: Record<string, unknown> = {};
    const url = await serve(async (_req, res) => {
      await insert(t);
      res.writeHead(200, { "content-type": "text/plain" });
      seen.headersSentWhileHeld = res.headersSent;
      seen.firstWrite = res.write("one,", () => (seen.writeCallback = true));
      seen.needDrain = res.writableNeedDrain;
      await once(res, "drain");
      seen.committedAtDrain = file.committedRows(t);
      seen.secondWrite = res.write("two");
      await new Promise<void>((resolve) => res.end(() => resolve()));
      seen.endCallback = true;
    });
    const res = await request(url);
    expect(res.body).toBe("one,two");
    expect(seen).toEqual({
      headersSentWhileHeld: true,
      firstWrite: false,
      needDrain: true,
      committedAtDrain: 1,
      writeCallback: true,
      secondWrite: true,
      endCallback: true,
    });
  });

  it("setHeader after a held head throws ERR_HTTP_HEADERS_SENT, as it does once a head left", async () => {
    let code: unknown;
    const url = await serve(async (_req, res) => {
      await insert(tag());
      res.writeHead(200);
      try {
        res.setHeader("x-late", "1");
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      res.end("ok");
    });
    const res = await request(url);
    expect(res.status).toBe(200);
    expect(res.headers["x-late"]).toBeUndefined();
    expect(code).toBe("ERR_HTTP_HEADERS_SENT");
  });

  it("writeHead(201, headers) keeps status and headers and commits before the head leaves", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      await insert(t);
      res.setHeader("x-before", "a");
      res.writeHead(201, "Made", { "x-made": "yes" }).end("made");
    });
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect(res).toMatchObject({ status: 201, body: "made", atHead: 1 });
    expect(res.headers["x-made"]).toBe("yes");
    expect(res.headers["x-before"]).toBe("a");
  });

  it("a redirect commits under autocommit-include-redirect and rolls back under autocommit", async () => {
    const handler =
      (t: string): NodeHandler =>
      async (_req, res) => {
        await insert(t);
        res.writeHead(302, { location: "/next" }).end();
      };
    const [kept, dropped] = [tag(), tag()];
    const a = await request(await serve(handler(kept), {}, redirectDb), { atHead: () => file.committedRows(kept) });
    const b = await request(await serve(handler(dropped)));
    expect([a.status, a.headers.location, a.atHead]).toEqual([302, "/next", 1]);
    expect([b.status, file.committedRows(dropped)]).toEqual([302, 0]);
  });

  it("a file stream piped into the response arrives whole, after the commit", async () => {
    const t = tag();
    const path = join(file.dir, "big.txt");
    const content = "0123456789abcdef".repeat(64 * 1024); // 1 MiB: many chunks, real backpressure
    writeFileSync(path, content);
    const url = await serve(async (_req, res) => {
      await insert(t);
      res.setHeader("content-type", "text/plain");
      createReadStream(path).pipe(res);
    });
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect(res.atHead).toBe(1);
    expect(res.body.length).toBe(content.length);
    expect(res.body === content).toBe(true);
  });

  it("a route without a database is not held: write() returns true at once", async () => {
    let firstWrite: boolean | undefined;
    const url = await serve((_req, res) => {
      res.writeHead(200);
      firstWrite = res.write("a");
      res.end("b");
    });
    expect((await request(url)).body).toBe("ab");
    expect(firstWrite).toBe(true);
  });
});

describe("failures", () => {
  it("a failed commit drops the held 2xx (headers too) and answers 500", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      await getSession().execute("PRAGMA defer_foreign_keys = ON");
      await insert(t, 424242);
      res.setHeader("content-type", "application/json");
      res.setHeader("x-secret", "do-not-leak");
      res.end(JSON.stringify({ ok: true }));
    });
    const res = await request(url);
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.headers["x-secret"]).toBeUndefined();
    expect(res.body).not.toContain("ok");
    expect(file.committedRows(t)).toBe(0);
    expect(warnings.map((w) => (w as { code?: string }).code)).toContain("ERR_SQLSCOPE_COMMIT_FAILED");
  });

  it("onCommitError writes the replacement, always as a 5xx", async () => {
    const url = await serve(
      async (_req, res) => {
        await getSession().execute("PRAGMA defer_foreign_keys = ON");
        await insert(tag(), 424242);
        res.end("fine");
      },
      {
        onCommitError: (error, _req, res) => {
          res.statusCode = 409;
          res.end(`retry: ${(error as { code: string }).code}`);
        },
      },
    );
    const res = await request(url);
    // A status below 500 from onCommitError would tell the client its unsaved work succeeded or merely conflicted.
    expect([res.status, res.body]).toEqual([500, "retry: ERR_SQLSCOPE_COMMIT_FAILED"]);
  });

  it("a commit that fails after the head already left cuts the response off instead of finishing it", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial ");
      await getSession().execute("PRAGMA defer_foreign_keys = ON");
      await insert(t, 424242);
      res.end("and the end");
    });
    await expect(request(url)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect(file.committedRows(t)).toBe(0);
  });

  it("a handler that throws after the head left rolls back and cuts the response off", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      res.writeHead(200);
      res.write("partial");
      await insert(t);
      throw new Error("boom after the head");
    });
    await expect(request(url)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect(file.committedRows(t)).toBe(0);
  });

  it("a handler that throws before responding rolls back, then onError answers", async () => {
    const t = tag();
    const url = await serve(
      async () => {
        await insert(t);
        throw new Error("boom");
      },
      {
        onError: (error, _req, res) => {
          res.statusCode = 422;
          res.end((error as Error).message);
        },
      },
    );
    const res = await request(url);
    expect([res.status, res.body, file.committedRows(t)]).toEqual([422, "boom", 0]);
  });

  it("wrapping twice joins the outer scope: one transaction, settled by the status, errors handled outside", async () => {
    const handler =
      (t: string): NodeHandler =>
      async (req, res) => {
        await insert(t);
        if (req.url === "/throw") throw new Error("inner handler failed");
        res.writeHead(req.url === "/conflict" ? 409 : 201).end("inner");
      };
    const [made, conflict, thrown] = [tag(), tag(), tag()];
    const urlOf = async (t: string) => serve(withScope(db, handler(t)));
    const a = await request(`${await urlOf(made)}/made`, { atHead: () => file.committedRows(made) });
    const b = await request(`${await urlOf(conflict)}/conflict`);
    const c = await request(`${await urlOf(thrown)}/throw`);
    expect([a.status, a.atHead, b.status, c.status]).toEqual([201, 1, 409, 500]);
    expect([file.committedRows(conflict), file.committedRows(thrown)]).toEqual([0, 0]);
    expect(warnings.some((w) => w instanceof AlreadyRegisteredError)).toBe(false);
  });
});

describe("a commit that completes synchronously (SQLite's fast path)", () => {
  it("commits inside end(): the head leaves with the row already visible, and nothing is held", async () => {
    const t = tag();
    const seen: Record<string, unknown> = {};
    const url = await serve(
      async (_req, res) => {
        await insert(t);
        res.writeHead(201, { "content-type": "text/plain" });
        seen.firstWrite = res.write("one,");
        seen.committedAfterHead = file.committedRows(t);
        res.end("two");
      },
      {},
      syncDb,
    );
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect([res.status, res.body, res.atHead]).toEqual([201, "one,two", 1]);
    // The head went out at once (write() was not held), and only after the commit.
    expect(seen).toEqual({ firstWrite: true, committedAfterHead: 1 });
    expect(heldResponses()).toBe(0);
  });

  it("a commit that fails synchronously still replaces the 2xx with a 500, headers dropped", async () => {
    const t = tag();
    const url = await serve(
      async (_req, res) => {
        await getSession().execute("PRAGMA defer_foreign_keys = ON");
        await insert(t, 424242);
        res.setHeader("x-secret", "do-not-leak");
        res.writeHead(201).end("created");
      },
      {},
      syncDb,
    );
    const res = await request(url);
    expect([res.status, res.headers["x-secret"], res.body.includes("created")]).toEqual([500, undefined, false]);
    expect(file.committedRows(t)).toBe(0);
    expect(warnings.map((w) => (w as { code?: string }).code)).toContain("ERR_SQLSCOPE_COMMIT_FAILED");
  });

  it("a 4xx rolls back synchronously before its head leaves", async () => {
    const t = tag();
    const url = await serve(
      async (_req, res) => {
        await insert(t);
        res.writeHead(409).end("conflict");
      },
      {},
      syncDb,
    );
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect([res.status, res.atHead, file.committedRows(t)]).toEqual([409, 0, 0]);
  });
});

describe("other wrappers on the response", () => {
  // What compression and similar middleware do: replace res.write/res.end with own functions that call
  // the ones they found. The gate must hold the head whichever side of the scope they were installed on.
  function wrapEnd(res: ServerResponse, seen: string[]): void {
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      seen.push("wrapper");
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse["end"];
  }

  it("a wrapper installed before the scope's first statement still goes through the gate", async () => {
    const t = tag();
    const seen: string[] = [];
    const url = await serve(async (_req, res) => {
      wrapEnd(res, seen);
      await insert(t);
      res.end("ok");
    });
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect([res.status, res.body, res.atHead, seen]).toEqual([200, "ok", 1, ["wrapper"]]);
  });

  it("a wrapper installed after the gate still goes through it", async () => {
    const t = tag();
    const seen: string[] = [];
    const url = await serve(async (_req, res) => {
      await insert(t);
      wrapEnd(res, seen);
      res.end("ok");
    });
    const res = await request(url, { atHead: () => file.committedRows(t) });
    expect([res.status, res.body, res.atHead, seen]).toEqual([200, "ok", 1, ["wrapper"]]);
  });

  it("a response that is not a node:http ServerResponse is refused with a TypeError that says what works", () => {
    const fake = { writeHead() {}, end() {} };
    expect(() => attachScope(db, {} as IncomingMessage, fake as unknown as ServerResponse)).toThrow(
      /needs a node:http ServerResponse.*Koa, Hono, Fastify/,
    );
  });
});

describe("context", () => {
  it("getSession() works in the request's own 'data'/'end' listeners", async () => {
    const t = tag();
    const url = await serve(
      (req: IncomingMessage, res: ServerResponse) =>
        new Promise<void>((resolve, reject) => {
          let body = "";
          req.setEncoding("utf8");
          req.on("data", (chunk: string) => (body += chunk));
          req.on("end", () => {
            // Runs in the context of the socket's parser, not of the handler: the binding restores the scope.
            Promise.resolve()
              .then(() => insert(`${t}:${body}`))
              .then(() => void res.writeHead(201).end())
              .then(resolve, reject);
          });
        }),
    );
    const res = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", agent: false }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("payload");
    });
    expect(res).toBe(201);
    expect(file.committedRows(`${t}:payload`)).toBe(1);
  });
});

describe("a second copy of @sqlscope/node-http in the same process", () => {
  it("leaves both copies' held view intact: headersSent and writableEnded read true right after end()", async () => {
    const copy = copyPackage(new URL("../", import.meta.url));
    try {
      const second = (await import(copy.entry)) as typeof import("../src/index.ts");
      const seen: [string, boolean, boolean][] = [];
      // Slow commits: end() is held while the scope commits, so what the handler reads is the held view.
      const handler =
        (label: string): NodeHandler =>
        async (_req, res) => {
          await insert(tag());
          res.end("ok");
          seen.push([label, res.headersSent, res.writableEnded]);
        };
      const first = await serve(handler("first"));
      const other = await listen(createServer(second.withScope(db, handler("second"))));
      servers.push(other);
      const [a, b] = await Promise.all([request(first), request(other.url)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(seen.sort()).toEqual([
        ["first", true, true],
        ["second", true, true],
      ]);
    } finally {
      copy.remove();
    }
  });
});
