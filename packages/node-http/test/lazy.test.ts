import diagnostics from "node:diagnostics_channel";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { CHANNELS, getSession, type ScopeFinishMessage, type SQLScope } from "@sqlscope/core";
import { listen, request, startRequest, SuiteDatabase, waitFor, type StartedServer } from "@sqlscope/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { withScope, type NodeHandler } from "../src/index.ts";
import { hooks } from "../src/hooks/hooks.ts";

const interceptorOf = (res: ServerResponse) => hooks.interceptorOf(res);

// The response gate and the 'close' listener are built only when a scope first gets work to settle.
// These tests pin down what that laziness must not change.

let file: SuiteDatabase;
let db: SQLScope;
const warnings: Error[] = [];
const servers: StartedServer[] = [];
let n = 0;
const tag = () => `lazy-${++n}`;

const insert = (t: string, parent: number | null = null) =>
  getSession().execute("INSERT INTO items (tag, parent_id) VALUES (?, ?)", [t, parent]);

async function serve(handler: NodeHandler): Promise<string> {
  const server = await listen(createServer(withScope(db, handler)));
  servers.push(server);
  return server.url;
}

/** What the adapter did to this response: a gate intercepting it, own properties, listeners beyond Node's own. */
function touched(res: ServerResponse): { gated: boolean; ownMethods: string[]; closeListeners: number } {
  const ownMethods = ["writeHead", "write", "end", "flushHeaders", "setHeader", "headersSent"].filter((m) =>
    Object.hasOwn(res, m),
  );
  return { gated: interceptorOf(res) !== undefined, ownMethods, closeListeners: res.listenerCount("close") };
}

beforeAll(() => {
  file = new SuiteDatabase();
  db = file.registry({ commit: "autocommit", onWarning: (w) => void warnings.push(w) });
});

afterEach(async () => {
  expect(await waitFor(() => db.stats().borrowed === 0)).toBe(true);
  file.assertNoOpenTransaction();
  warnings.length = 0;
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await db.close();
  file.close();
});

describe("a scope that never gets work", () => {
  it("leaves the response as Node made it; the first statement installs the gate before it can yield", async () => {
    const seen: Record<string, unknown> = {};
    const url = await serve(async (_req, res) => {
      seen.before = touched(res);
      const pending = insert(tag());
      seen.afterStart = touched(res); // synchronously after the statement started
      await pending;
      res.end("ok");
    });
    const res = await request(url);
    expect(res.status).toBe(200);
    const before = seen.before as ReturnType<typeof touched>;
    expect(before).toMatchObject({ gated: false, ownMethods: [] });
    // node:http never moves a response to another prototype, so the gate works through own methods of
    // this one response (node:http's prototypes stay untouched); the held view only once it holds.
    expect(seen.afterStart).toEqual({
      gated: true,
      ownMethods: ["writeHead", "write", "end", "flushHeaders"],
      closeListeners: before.closeListeners,
    });
  });

  it("an afterCommit hook alone installs the gate, and the hook runs before the response leaves", async () => {
    const order: string[] = [];
    const url = await serve((_req, res) => {
      getSession().afterCommit(() => void order.push("hook"));
      expect(touched(res).gated).toBe(true);
      res.end("ok");
    });
    const res = await request(url, { atHead: () => [...order] });
    expect([res.status, res.atHead]).toEqual([200, ["hook"]]);
  });

  it("still ends when the response closes: a scope:finish subscriber (a tracer) sees it, its figures say 'none'", async () => {
    const finished: ScopeFinishMessage["figures"][] = [];
    const onFinish = (message: unknown) => void finished.push((message as ScopeFinishMessage).figures);
    let untouched: unknown;
    diagnostics.subscribe(CHANNELS.scopeFinish, onFinish);
    try {
      const url = await serve((_req, res) => {
        untouched = touched(res);
        res.statusCode = 204;
        res.end();
      });
      expect((await request(url)).status).toBe(204);
      expect(await waitFor(() => finished.some((f) => f.status === 204))).toBe(true);
      expect(untouched).toMatchObject({ gated: false, ownMethods: [] });
      expect(finished.find((f) => f.status === 204)).toMatchObject({
        keys: [],
        statements: 0,
        result: "none",
        ok: true,
      });
    } finally {
      diagnostics.unsubscribe(CHANNELS.scopeFinish, onFinish);
    }
  });
});

describe("a first statement that comes late", () => {
  it("after the head left: the commit cannot hold the head, and a failed commit cuts the response", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial ");
      await getSession().execute("PRAGMA defer_foreign_keys = ON");
      await insert(t, 424242); // a dangling parent: the deferred foreign key fails the commit
      res.end("and the end");
    });
    await expect(request(url)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect(file.committedRows(t)).toBe(0);
  });

  it("after the head left: a commit that succeeds still ends the response after it", async () => {
    const t = tag();
    const url = await serve(async (_req, res) => {
      res.writeHead(200);
      res.write("partial ");
      await insert(t);
      res.end("end");
    });
    const res = await request(url);
    expect([res.status, res.body, file.committedRows(t)]).toEqual([200, "partial end", 1]);
  });

  it("after the client left: the statement fails, nothing commits, the connection is not taken", async () => {
    const t = tag();
    let outcome: unknown;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let arrived!: () => void;
    const here = new Promise<void>((resolve) => (arrived = resolve));
    const url = await serve(async (_req, res) => {
      arrived();
      await once(res, "close");
      try {
        await insert(t);
        outcome = "committed";
      } catch (error) {
        outcome = (error as { code?: string }).code;
      }
      finished();
    });
    const req = startRequest(url, "GET");
    await here;
    req.destroy();
    await done;
    expect(outcome).toBe("ERR_SQLSCOPE_SESSION_CLOSED");
    expect(file.committedRows(t)).toBe(0);
  });

  it("after the response ended: the statement fails and nothing commits", async () => {
    const t = tag();
    let outcome: unknown;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const url = await serve((_req, res) => {
      res.end("done");
      setImmediate(() => {
        // getSession() itself may throw once the scope ended: inside then() both ways reject.
        void Promise.resolve()
          .then(() => insert(t))
          .then(
            () => (outcome = "committed"),
            (error: unknown) => (outcome = (error as { code?: string }).code),
          )
          .finally(finished);
      });
    });
    expect((await request(url)).body).toBe("done");
    await done;
    expect(outcome).toBe("ERR_SQLSCOPE_SESSION_CLOSED");
    expect(file.committedRows(t)).toBe(0);
  });
});
