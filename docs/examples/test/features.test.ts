// hooks.md, retries.md, typed-rows.md and observability.md: their samples run on a real SQLite file and a
// real Express server (verbatim.test.ts checks the pages show exactly these files).
import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { CHANNELS, getSession, type ScopeFigures } from "@sqlscope/core";
import { signupRoutes, type Mailer, type Uploads } from "../hooks.ts";
import { logSlowQueries, scopeFigures, tracing } from "../observability.ts";
import { transfer, transferRoutes } from "../retries.ts";
import { countUsers, findEmail, listUsers } from "../typed-rows.ts";
import { expressServer, sqliteDb, type RealDb } from "./real.ts";

describe("the samples work", () => {
  let real: RealDb;
  afterEach(async () => real?.close());

  it("hooks.ts: the mail goes out for a committed user only; a rolled-back sign-up deletes its upload", async () => {
    real = await sqliteDb("CREATE TABLE users (email TEXT PRIMARY KEY, avatar TEXT NOT NULL)");
    const mails: string[] = [];
    const files = new Map<string, string>();
    const mailer: Mailer = { sendWelcome: async (email) => void mails.push(email) };
    const uploads: Uploads = {
      put: async (name, data) => void files.set(name, data),
      delete: async (name) => void files.delete(name),
    };
    const server = await expressServer(real.db, (app) => signupRoutes(app, mailer, uploads));
    const signup = (email: string, avatar: string) =>
      fetch(`${server.url}/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, avatar }),
      });
    try {
      expect((await signup("a@x", "png-a")).status).toBe(201);
      expect(mails).toEqual(["a@x"]); // awaited before the 201 left
      expect((await signup("a@x", "png-a2")).status).toBe(500);
      expect(mails).toEqual(["a@x"]);
      // Only the committed user's avatar is left: the duplicate's upload was deleted by its afterRollback.
      const kept = await real.db.runInScope(() => getSession().selectValue<string>("SELECT avatar FROM users"));
      expect([...files.keys()]).toEqual([kept]);
    } finally {
      await server.close();
    }
  });

  it("retries.ts: concurrent conflicting transfers all land exactly once", async () => {
    real = await sqliteDb(
      "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL); INSERT INTO accounts VALUES (1, 1000), (2, 0);",
    );
    await Promise.all(Array.from({ length: 10 }, () => transfer(real.db, 1, 2, 10)));
    const balances = () => real.db.runInScope(() => getSession().select("SELECT balance FROM accounts ORDER BY id"));
    expect(await balances()).toEqual([{ balance: 900 }, { balance: 100 }]);
    const server = await expressServer(real.db, (app) => transferRoutes(app, real.db));
    try {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${server.url}/transfer/2/1/5`, { method: "POST" }).then((r) => r.status),
        ),
      );
      expect(statuses).toEqual(Array.from({ length: 10 }, () => 204));
    } finally {
      await server.close();
    }
    expect(await balances()).toEqual([{ balance: 950 }, { balance: 50 }]);
  });

  it("typed-rows.ts: zod and valibot rows, coerced and typed", async () => {
    real = await sqliteDb(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, created_at TEXT); INSERT INTO users VALUES (1, 'a@example.com', '2024-05-06T07:08:09Z');",
    );
    await real.db.runInScope(async () => {
      const users = await listUsers();
      expect(users[0]?.created_at.toISOString()).toBe("2024-05-06T07:08:09.000Z");
      expect(await findEmail(1)).toBe("a@example.com");
      expect(await findEmail(2)).toBeNull();
      expect(await countUsers()).toBe(1);
    });
  });

  it("observability.ts: slow-query reports, figures per request, tracing switch", async () => {
    real = await sqliteDb("CREATE TABLE t (n INTEGER)");
    const slow: string[] = [];
    const stop = logSlowQueries(0, (line) => slow.push(line));
    const figures: Array<[number, ScopeFigures]> = [];
    const server = await expressServer(real.db, (app) => {
      app.use(scopeFigures((status, f) => figures.push([status, f])));
      app.post("/n", async (_req, res) => {
        await getSession().execute("INSERT INTO t VALUES (1)");
        res.status(204).end();
      });
    });
    try {
      expect((await fetch(`${server.url}/n`, { method: "POST" })).status).toBe(204);
    } finally {
      stop();
      await server.close();
    }
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatch(/^db \(sqlite\) \d+\.\d ms: INSERT INTO t VALUES \(1\)$/);
    expect(figures.map(([status, f]) => [status, f.statements, f.result])).toEqual([[204, 1, "commit"]]);
    const otel = tracing();
    expect(diagnostics.hasSubscribers(CHANNELS.query)).toBe(true);
    otel.disable();
    expect(diagnostics.hasSubscribers(CHANNELS.query)).toBe(false);
  });
});
