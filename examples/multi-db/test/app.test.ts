import diagnostics from "node:diagnostics_channel";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CHANNELS,
  CommitFailedError,
  ConstraintError,
  getSession,
  type ScopeFinishMessage,
  type SQLScope,
} from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { createApp } from "../src/app.ts";
import { createDatabases, createSchemas } from "../src/db.ts";
import { recordEvent } from "../src/events.ts";
import { createUser } from "../src/users.ts";

let dir: string;
let db: SQLScope;
const servers: Server[] = [];
let url: string;
let probe: string;
const warnings: Error[] = [];

/** What each finished HTTP scope did, in order: the keys that took a connection and how it settled. */
const finished: { status: number | undefined; keys: readonly string[]; ok: boolean }[] = [];
const onFinish = (message: unknown) => {
  const { figures, ok } = message as ScopeFinishMessage;
  // The test's own runInScope reads have no status: only requests are recorded.
  if (figures.status !== undefined) finished.push({ status: figures.status, keys: figures.keys, ok });
};

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await new Promise((resolve) => server.once("listening", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Routes that only a test wants (a 500 after writing, a caught DuckDB error) on the example's own databases.
function probeApp(): express.Express {
  const app = express();
  app.use(express.json());
  app.use(sqlscope(db));
  app.get("/sessions", (_req, res) => {
    const users = getSession();
    const events = getSession("events");
    res.json({
      keys: [users.key, events.key],
      distinct: users !== events,
      stable: getSession("db") === users && getSession("events") === events,
    });
  });
  app.post("/bad-request-after-both", async (_req, res) => {
    await createUser({ email: "kept-out@example.com", name: "Kept out" });
    res.status(400).json({ error: "rejected after writing both" });
  });
  app.post("/crash-after-both", async () => {
    await createUser({ email: "crash@example.com", name: "Crash" });
    throw new Error("the handler failed after writing to both databases");
  });
  // A caught DuckDB error aborts its transaction, so the "events" commit fails at the end of the scope.
  app.post("/events-commit-fails/:order", async (req, res) => {
    const failEvents = async () => {
      await recordEvent("doomed");
      const id = await getSession("events").selectValue<number>("SELECT max(id) FROM events");
      await getSession("events")
        .execute("INSERT INTO events (id, type) VALUES (?, 'duplicate id')", [id])
        .catch((error: unknown) => expect(error).toBeInstanceOf(ConstraintError));
    };
    const writeUser = () =>
      getSession().execute("INSERT INTO users (email, name) VALUES (?, 'Order')", [`${req.params.order}@example.com`]);
    if (req.params.order === "events-first") {
      await failEvents();
      await writeUser();
    } else {
      await writeUser();
      await failEvents();
    }
    res.status(201).json({ created: true });
  });
  return app;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlscope-multi-db-"));
  // Failed commits are reported here (the settlement-order test makes two) instead of as process warnings.
  db = createDatabases(
    { users: join(dir, "users.db"), events: join(dir, "events.duckdb") },
    { onWarning: (w) => warnings.push(w) },
  );
  await createSchemas(db);
  url = await listen(createApp(db));
  probe = await listen(probeApp());
  diagnostics.subscribe(CHANNELS.scopeFinish, onFinish);
});

afterAll(async () => {
  diagnostics.unsubscribe(CHANNELS.scopeFinish, onFinish);
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  finished.length = 0;
  warnings.length = 0;
});

const post = (base: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });

/** What is committed, read in a scope of its own (a fresh connection per database). */
const committed = () =>
  db.runInScope(async () => ({
    emails: (await getSession().select<{ email: string }>("SELECT email FROM users ORDER BY id")).map((u) => u.email),
    events: await getSession("events").select<{ type: string; subject: string | null }>(
      "SELECT type, subject FROM events ORDER BY id",
    ),
  }));

describe("examples/multi-db: users in SQLite, events in DuckDB, one request", () => {
  it("POST /users commits the user and its event; GET /dashboard reads both databases", async () => {
    const created = await post(url, "/users", { email: "ada@example.com", name: "Ada" });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { email: string }).email).toBe("ada@example.com");
    const now = await committed();
    expect(now.emails).toEqual(["ada@example.com"]);
    expect(now.events).toEqual([{ type: "user.created", subject: "ada@example.com" }]);

    const board = await fetch(`${url}/dashboard`);
    expect(board.status).toBe(200);
    expect(await board.json()).toEqual({ users: 1, events: { "user.created": 1 } });
    expect((await (await fetch(`${url}/users`)).json()) as unknown[]).toHaveLength(1);
    // Each request took a connection only for the keys it used, in the order it used them.
    expect(finished.map((f) => f.keys)).toEqual([["db", "events"], ["db", "events"], ["db"]]);
    expect(db.stats("db").borrowed + db.stats("events").borrowed).toBe(0);
  });

  it("POST /events answers 202 and the event commits", async () => {
    const before = (await committed()).events.length;
    const accepted = await post(url, "/events", { type: "page.viewed", subject: "/pricing" });
    expect(accepted.status).toBe(202);
    const events = (await committed()).events;
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toEqual({ type: "page.viewed", subject: "/pricing" });
    expect(finished[0]).toMatchObject({ status: 202, keys: ["events"], ok: true });
    expect((await post(url, "/events", { type: "Not A Type" })).status).toBe(400);
  });

  it("a 400 commits the events key (extraCommitStatuses) and rolls back the users key", async () => {
    const before = await committed();
    const rejected = await post(url, "/users", { email: "not-an-email", name: "X" });
    expect(rejected.status).toBe(400);
    const probed = await post(probe, "/bad-request-after-both");
    expect(probed.status).toBe(400);
    const after = await committed();
    expect(after.emails).toEqual(before.emails); // kept-out@example.com was rolled back in SQLite...
    expect(after.events.slice(before.events.length)).toEqual([
      { type: "signup.rejected", subject: "email must be an email address" },
      { type: "user.created", subject: "kept-out@example.com" }, // ...while DuckDB committed its event
    ]);
  });

  it("a 409 after writing to both databases rolls back both", async () => {
    const before = await committed();
    const imported = await post(url, "/users/import", [
      { email: "grace@example.com", name: "Grace" },
      { email: "linus@example.com", name: "Linus" },
      { email: "ada@example.com", name: "Ada again" }, // already registered: the third user fails
    ]);
    expect(imported.status).toBe(409);
    expect(await committed()).toEqual(before);
    expect(finished[0]).toMatchObject({ status: 409, keys: ["db", "events"] });

    const ok = await post(url, "/users/import", [{ email: "grace@example.com", name: "Grace" }]);
    expect(ok.status).toBe(201);
    expect((await committed()).emails).toContain("grace@example.com");
  });

  it("a 500 after writing to both databases rolls back both", async () => {
    const before = await committed();
    const crashed = await post(probe, "/crash-after-both");
    expect(crashed.status).toBe(500);
    expect(await committed()).toEqual(before);
    expect(db.stats("db").borrowed + db.stats("events").borrowed).toBe(0);
  });

  it("each key has its own session, the same object for the whole request", async () => {
    const res = await fetch(`${probe}/sessions`);
    expect(await res.json()).toEqual({ keys: ["db", "events"], distinct: true, stable: true });
    expect(finished[0]?.keys).toEqual([]); // getSession() alone takes no connection
  });

  it("settles in first-use order: a failed commit rolls back the keys after it, not the ones before (no two-phase commit)", async () => {
    const before = await committed();
    const eventsFirst = await post(probe, "/events-commit-fails/events-first");
    expect(eventsFirst.status).toBe(500); // the 201 never leaves
    expect((await committed()).emails).toEqual(before.emails); // users settled after the failure: rolled back

    const usersFirst = await post(probe, "/events-commit-fails/users-first");
    expect(usersFirst.status).toBe(500);
    const after = await committed();
    // Users settled first and committed before the events commit failed: best effort, documented.
    expect(after.emails).toEqual([...before.emails, "users-first@example.com"]);
    expect(after.events).toEqual(before.events);
    expect(finished.map((f) => f.ok)).toEqual([false, false]);
    expect(warnings).toHaveLength(2);
    for (const warning of warnings) {
      expect(warning).toBeInstanceOf(CommitFailedError);
      expect(warning.message).toContain('commit of "events" failed');
    }
  });
});
