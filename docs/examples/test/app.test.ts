// quick-start.md's neighbours: configuration.md, commit-modes.md, errors.md, scripts.md and app-factory.md,
// each sample run on a real SQLite file (and a real Express server where it is HTTP code).
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, getSession, SQLScope, TransactionError } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { audit, move } from "../commit-modes.ts";
import { openDb } from "../configuration.ts";
import { errorHandler } from "../src/errors.ts";
import { smoke } from "../src/smoke.ts";
import { expressServer, inTempCwd, sqliteDb, type RealDb } from "./real.ts";

const cwd = inTempCwd(); // configuration.ts and scripts.ts open "app.db" here

let real: RealDb | undefined;
afterEach(async () => {
  await real?.close();
  real = undefined;
});

describe("configuration.ts", () => {
  it("409 commits, 299 rolls back, warnings go to the logger", async () => {
    const warnings: Error[] = [];
    const db = openDb({ warn: (w) => warnings.push(w) });
    try {
      await db.runInScope(() => getSession("db").execute("CREATE TABLE t (status INTEGER)"));
      const server = await expressServer(db, (app) =>
        app.post("/:status", async (req, res) => {
          await getSession().execute("INSERT INTO t VALUES (?)", [Number(req.params.status)]);
          res.status(Number(req.params.status)).end();
        }),
      );
      try {
        for (const status of [201, 299, 409, 400]) expect((await fetch(`${server.url}/${status}`, { method: "POST" })).status).toBe(status);
      } finally {
        await server.close();
      }
      expect(await db.runInScope(() => getSession().select("SELECT status FROM t ORDER BY status"))).toEqual([{ status: 201 }, { status: 409 }]);
      expect(() => new SQLScope({ default: true })).toThrow(ConfigError); // "At most one"
      expect(warnings).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe("commit-modes.ts", () => {
  it("transaction(fn) is a savepoint in the scope's transaction: a failing unit leaves the rest", async () => {
    real = await sqliteDb("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0)); INSERT INTO accounts VALUES (1, 100), (2, 0);");
    await real.db.runInScope(async () => {
      await move(1, 2, 30);
      await expect(move(1, 2, 500)).rejects.toMatchObject({ code: "ERR_SQLSCOPE_CONSTRAINT" });
    });
    expect(await real.db.runInScope(() => getSession().select("SELECT balance FROM accounts ORDER BY id"))).toEqual([{ balance: 70 }, { balance: 30 }]);
  });

  it("manual mode: begin/commit by hand, rollback on error; the autocommit modes refuse begin()", async () => {
    const schema = "CREATE TABLE audit (event TEXT); CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER CHECK (n <= 1)); INSERT INTO counters VALUES ('audit', 0);";
    real = await sqliteDb(schema, { commit: "manual" });
    await real.db.runInScope(async () => {
      await audit("kept");
      await expect(audit("undone")).rejects.toMatchObject({ code: "ERR_SQLSCOPE_CONSTRAINT", constraint: "check" });
    });
    expect(await real.db.runInScope(() => getSession().select("SELECT event FROM audit"))).toEqual([{ event: "kept" }]);
    const auto = await sqliteDb(schema);
    try {
      await expect(auto.db.runInScope(() => audit("x"))).rejects.toBeInstanceOf(TransactionError);
    } finally {
      await auto.close();
    }
  });
});

describe("errors.ts", () => {
  it("maps not found to 404, a unique violation to 409, anything else to 500, each rolled back", async () => {
    real = await sqliteDb("CREATE TABLE users (email TEXT PRIMARY KEY); CREATE TABLE log (n INTEGER);");
    const server = await expressServer(real.db, (app) => {
      app.post("/users", async (req, res) => {
        await getSession().execute("INSERT INTO log VALUES (1)");
        await getSession().execute("INSERT INTO users VALUES (?)", [(req.body as { email: string }).email]);
        res.status(201).end();
      });
      app.get("/users/:email", async (req, res) => {
        await getSession().execute("INSERT INTO log VALUES (2)");
        res.json(await getSession().selectOne("SELECT * FROM users WHERE email = ?", [req.params.email]));
      });
      app.get("/boom", () => {
        throw new Error("boom");
      });
      app.use(errorHandler);
    });
    const post = (email: string) => fetch(`${server.url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email }) });
    try {
      expect((await post("a@x")).status).toBe(201);
      expect((await post("a@x")).status).toBe(409);
      expect((await fetch(`${server.url}/users/nobody`)).status).toBe(404);
      expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    } finally {
      await server.close();
    }
    expect(await real.db.runInScope(() => getSession().select("SELECT n FROM log"))).toEqual([{ n: 1 }]);
  });
});

describe("scripts.ts", () => {
  it("commits the job row and closes the pools", async () => {
    await import("../scripts.ts");
    const check = new SQLScope().add(sqlite({ filename: join(cwd, "app.db") }));
    try {
      expect(await check.runInScope(() => getSession().select("SELECT name FROM jobs"))).toEqual([{ name: "nightly" }]);
    } finally {
      await check.close();
    }
  });
});

describe("src/ (app-factory.md)", () => {
  it("a test builds the app on its own file: 201, then 409 for the duplicate, one row", async () => {
    const { statuses, rows } = await smoke(join(cwd, "smoke.db"));
    expect(statuses).toEqual([201, 409]);
    expect(rows).toEqual([{ id: 1, email: "a@x" }]);
  });
});
