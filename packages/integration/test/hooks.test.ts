// afterCommit/afterRollback on a real SQLite file and through Express over HTTP (the rules themselves
// are tested on the fake driver in packages/core/test/hooks.test.ts).
import { afterEach, describe, expect, it } from "vitest";
import { afterCommit, afterRollback, getSession } from "@sqlscope/core";
import { expressServer, rejection, sleep, sqliteDb, type RealDb } from "@sqlscope/integration/real-app";

describe("hooks on a real SQLite file and through Express over HTTP", () => {
  let real: RealDb;
  afterEach(async () => real?.close());

  it("afterCommit sees the committed row from a new scope; afterRollback sees none", async () => {
    real = await sqliteDb("CREATE TABLE users (email TEXT UNIQUE)");
    const { db } = real;
    const seen: number[] = [];
    const count = () => db.runInScope(() => db.getSession().selectValue<number>("SELECT count(*) FROM users"));
    await db.runInScope(async () => {
      await db.getSession().execute("INSERT INTO users VALUES ('a@x')");
      afterCommit(async () => {
        seen.push(await count());
      });
    });
    await rejection(
      db.runInScope(async () => {
        await db.getSession().execute("INSERT INTO users VALUES ('b@x')");
        afterRollback(async () => {
          seen.push(await count());
        });
        throw new Error("abort");
      }),
    );
    expect(seen).toEqual([1, 1]);
    expect(db.stats().borrowed).toBe(0);
  });

  it("Express: hooks finish before the response reaches the client; a 500 runs only afterRollback", async () => {
    real = await sqliteDb("CREATE TABLE users (email TEXT UNIQUE)");
    const { db } = real;
    const events: string[] = [];
    const server = await expressServer(db, (app) => {
      app.post("/users/:email", async (req, res) => {
        await getSession().execute("INSERT INTO users VALUES (?)", [req.params.email]);
        afterCommit(async () => {
          await sleep(50);
          events.push(`committed ${req.params.email}`);
        });
        afterRollback(() => events.push(`rolled back ${req.params.email}`));
        if (req.params.email.startsWith("bad")) {
          res.status(500).json({ error: "refused" });
          return;
        }
        res.status(201).json({ ok: true });
      });
    });
    try {
      const ok = await fetch(`${server.url}/users/a@x`, { method: "POST" });
      events.push(`response ${ok.status}`);
      const bad = await fetch(`${server.url}/users/bad@x`, { method: "POST" });
      events.push(`response ${bad.status}`);
      expect(events).toEqual(["committed a@x", "response 201", "rolled back bad@x", "response 500"]);
      const emails = await db.runInScope(() => db.getSession().select<{ email: string }>("SELECT email FROM users"));
      expect(emails).toEqual([{ email: "a@x" }]);
    } finally {
      await server.close();
    }
  });
});
