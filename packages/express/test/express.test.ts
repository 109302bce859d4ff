import { createReadStream, mkdirSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { RequestHandler } from "express";
import { join } from "node:path";
import { getSession, type SQLScope } from "@sqlscope/core";
import { copyPackage, listen, request, SuiteDatabase, waitFor, type StartedServer } from "@sqlscope/test-support";
import express, { type ErrorRequestHandler, type Express } from "express";
import multer from "multer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sqlscope } from "../src/index.ts";

let file: SuiteDatabase;
let db: SQLScope;
let redirectDb: SQLScope;
const servers: StartedServer[] = [];
let n = 0;
const tag = () => `express-${++n}`;

const insert = (t: string, parent: number | null = null) =>
  getSession().execute("INSERT INTO items (tag, parent_id) VALUES (?, ?)", [t, parent]);

async function serve(app: Express): Promise<string> {
  const server = await listen(createServer(app));
  servers.push(server);
  return server.url;
}

beforeAll(() => {
  file = new SuiteDatabase();
  db = file.registry({ commit: "autocommit", slowCommitMs: 20 });
  redirectDb = file.registry({ commit: "autocommit-include-redirect", slowCommitMs: 20 });
});

afterEach(async () => {
  for (const registry of [db, redirectDb]) expect(await waitFor(() => registry.stats().borrowed === 0)).toBe(true);
  file.assertNoOpenTransaction();
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await db.close();
  await redirectDb.close();
  file.close();
});

describe("body parsers before and after the scope middleware", () => {
  const orders = ["parser first", "scope first"] as const;

  it.each(orders)("express.json() (%s)", async (order) => {
    const app = express();
    if (order === "parser first") app.use(express.json(), sqlscope(db));
    else app.use(sqlscope(db), express.json());
    app.post("/items", async (req, res) => {
      await insert((req.body as { tag: string }).tag);
      res.status(201).json({ ok: true });
    });
    const t = tag();
    const res = await fetch(`${await serve(app)}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tag: t }),
    });
    expect(res.status).toBe(201);
    expect(file.committedRows(t)).toBe(1);
  });

  it.each(orders)("multer, multipart with a file on disk (%s)", async (order) => {
    const uploads = join(file.dir, `uploads-${++n}`);
    mkdirSync(uploads);
    const upload = multer({ dest: uploads }).single("doc");
    const app = express();
    if (order === "parser first") app.use(upload, sqlscope(db));
    else app.use(sqlscope(db), upload);
    app.post("/upload", async (req, res) => {
      await insert(`${(req.body as { tag: string }).tag}:${req.file?.size ?? -1}`);
      res.status(201).end();
    });
    const t = tag();
    const form = new FormData();
    form.append("tag", t);
    form.append("doc", new Blob(["x".repeat(100_000)]), "doc.txt");
    const res = await fetch(`${await serve(app)}/upload`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    expect(file.committedRows(`${t}:100000`)).toBe(1);
  });
});

/**
 * A parser the old way (multer 1.x, hand-written ones): next() is called from req's 'end' listener,
 * which Node runs in the context of the socket's parser, not of the request.
 */
const legacyTextParser: RequestHandler = (req, _res, next) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    (req as { body?: unknown }).body = body;
    next();
  });
};

/** Sends the body in two parts with a pause, so its events come from the socket, not from a buffer. */
function postInParts(url: string, parts: [string, string]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", agent: false, headers: { "content-type": "text/plain" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.write(parts[0]);
    setTimeout(() => req.end(parts[1]), 30);
  });
}

describe("a parser that resumes next() from a request event", () => {
  it.each(["parser first", "scope first"] as const)("getSession() still finds the scope (%s)", async (order) => {
    const app = express();
    if (order === "parser first") app.use(legacyTextParser, sqlscope(db));
    else app.use(sqlscope(db), legacyTextParser);
    app.post("/text", async (req, res) => {
      await insert((req as { body?: unknown }).body as string);
      res.status(201).end();
    });
    const t = tag();
    expect(await postInParts(`${await serve(app)}/text`, [t.slice(0, 4), t.slice(4)])).toBe(201);
    expect(file.committedRows(t)).toBe(1);
  });
});

describe("responses Express writes for you", () => {
  const content = "sendFile payload\n".repeat(20_000);
  let path: string;
  beforeAll(() => {
    path = join(file.dir, "payload.txt");
    writeFileSync(path, content);
  });

  it("res.sendFile: whole file, committed before the head", async () => {
    const t = tag();
    const app = express().use(sqlscope(db));
    app.get("/file", async (_req, res) => {
      await insert(t);
      res.sendFile(path);
    });
    const res = await request(`${await serve(app)}/file`, { atHead: () => file.committedRows(t) });
    expect(res.status).toBe(200);
    expect(res.atHead).toBe(1);
    expect(res.body === content).toBe(true);
  });

  it("a read stream piped into res: whole file, committed before the head", async () => {
    const t = tag();
    const app = express().use(sqlscope(db));
    app.get("/pipe", async (_req, res) => {
      await insert(t);
      res.type("text/plain");
      createReadStream(path).pipe(res);
    });
    const res = await request(`${await serve(app)}/pipe`, { atHead: () => file.committedRows(t) });
    expect(res.atHead).toBe(1);
    expect(res.body === content).toBe(true);
  });

  it("res.redirect commits with autocommit-include-redirect, rolls back with autocommit", async () => {
    const make = (registry: SQLScope, t: string) => {
      const app = express().use(sqlscope(registry));
      app.post("/go", async (_req, res) => {
        await insert(t);
        res.redirect(303, "/done");
      });
      return app;
    };
    const [kept, dropped] = [tag(), tag()];
    const a = await request(`${await serve(make(redirectDb, kept))}/go`, {
      method: "POST",
      atHead: () => file.committedRows(kept),
    });
    const b = await request(`${await serve(make(db, dropped))}/go`, { method: "POST" });
    expect([a.status, a.headers.location, a.atHead]).toEqual([303, "/done", 1]);
    expect([b.status, file.committedRows(dropped)]).toEqual([303, 0]);
  });

  it("res.writeHead(201, headers)", async () => {
    const t = tag();
    const app = express().use(sqlscope(db));
    app.post("/raw", async (_req, res) => {
      await insert(t);
      res.writeHead(201, { "x-made": "yes" }).end("made");
    });
    const res = await request(`${await serve(app)}/raw`, { method: "POST", atHead: () => file.committedRows(t) });
    expect([res.status, res.headers["x-made"], res.body, res.atHead]).toEqual([201, "yes", "made", 1]);
  });

  it("a failed commit replaces res.json()'s 200 with a plain 500", async () => {
    const t = tag();
    const app = express().use(sqlscope(db));
    app.post("/bad", async (_req, res) => {
      await getSession().execute("PRAGMA defer_foreign_keys = ON");
      await insert(t, 77777);
      res.json({ saved: true });
    });
    const res = await request(`${await serve(app)}/bad`, { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).not.toContain('saved":true');
    expect(file.committedRows(t)).toBe(0);
  });
});

describe("errors", () => {
  const seen: unknown[] = [];
  const recordAnd =
    (status: number): ErrorRequestHandler =>
    (error: unknown, _req, res, _next) => {
      seen.push(error);
      res.status(status).json({ code: (error as { code?: string }).code ?? "none" });
    };

  it.each([
    ["thrown", 500],
    ["passed to next()", 400],
  ])("an error %s reaches the error middleware and rolls back (it answers %i)", async (how, status) => {
    const t = tag();
    const app = express().use(sqlscope(db));
    app.post("/fail", async (_req, res, next) => {
      await insert(t);
      const error = new Error("route failed");
      if (how === "thrown") throw error;
      next(error);
      void res;
    });
    app.use(recordAnd(status));
    const res = await request(`${await serve(app)}/fail`, { method: "POST" });
    expect(res.status).toBe(status);
    expect(file.committedRows(t)).toBe(0);
  });

  it("mounting the middleware again on a router or a sub-app joins the request's scope: one session, one commit", async () => {
    seen.length = 0;
    const t = tag();
    const sessions: unknown[] = [];
    const app = express().use(sqlscope(db));
    // The outer scope already holds a connection when the request meets the second mount.
    app.use(async (_req, _res, next) => {
      await getSession().selectValue("SELECT 1");
      sessions.push(getSession());
      next();
    });
    const sub = express().use(sqlscope(db));
    const router = express.Router().use(sqlscope(db));
    router.post("/twice", async (_req, res) => {
      sessions.push(getSession());
      await insert(t);
      res.status(201).send("made");
    });
    sub.use(router);
    app.use(sub);
    app.use(recordAnd(500));
    const res = await request(`${await serve(app)}/twice`, { method: "POST", atHead: () => file.committedRows(t) });
    expect([res.status, res.body, res.atHead]).toEqual([201, "made", 1]);
    expect(sessions[0]).toBe(sessions[1]);
    expect(seen).toEqual([]);
  });
});

describe("a second copy of @sqlscope/express (and of @sqlscope/node-http) in the same process", () => {
  it("leaves both copies' held view intact, on one app with one copy per router", async () => {
    const copy = copyPackage(new URL("../", import.meta.url), ["@sqlscope/node-http"]);
    try {
      const second = (await import(copy.entry)) as typeof import("../src/index.ts");
      const seen: [string, boolean, boolean][] = [];
      const route =
        (label: string): RequestHandler =>
        async (_req, res) => {
          await insert(tag());
          res.send("ok"); // held while the slow commit runs
          seen.push([label, res.headersSent, res.writableEnded]);
        };
      const app = express();
      app.use("/first", express.Router().use(sqlscope(db)).get("/", route("first")));
      app.use("/second", express.Router().use(second.sqlscope(db)).get("/", route("second")));
      const url = await serve(app);
      const [a, b] = await Promise.all([request(`${url}/first`), request(`${url}/second`)]);
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
