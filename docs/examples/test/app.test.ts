// quick-start.md's neighbours: configuration.md, commit-modes.md, errors.md, scripts.md and app-factory.md,
// each sample run on a real SQLite file (and a real Express server where it is HTTP code).
import { scryptSync } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, getSession, SQLScope, TransactionError } from "@sqlscope/core";
import { duckdb } from "@sqlscope/duckdb";
import { sqlscopeErrors } from "@sqlscope/express";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import { audit, move } from "../commit-modes.ts";
import { openDb } from "../configuration.ts";
import { errorHandler } from "../src/errors.ts";
import { smoke } from "../src/smoke.ts";
import { accounts } from "../commit-handler.ts";
import { recordRefusal } from "../scripts-isolated.ts";
import { expressServer, inTempCwd, sqliteDb, tempDir, type RealDb } from "./real.ts";

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
        for (const status of [201, 299, 409, 400])
          expect((await fetch(`${server.url}/${status}`, { method: "POST" })).status).toBe(status);
      } finally {
        await server.close();
      }
      expect(await db.runInScope(() => getSession().select("SELECT status FROM t ORDER BY status"))).toEqual([
        { status: 201 },
        { status: 409 },
      ]);
      expect(() => new SQLScope({ default: true })).toThrow(ConfigError); // "At most one"
      expect(warnings).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe("commit-modes.ts", () => {
  it("transaction(fn) is a savepoint in the scope's transaction: a failing unit leaves the rest", async () => {
    real = await sqliteDb(
      "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0)); INSERT INTO accounts VALUES (1, 100), (2, 0);",
    );
    await real.db.runInScope(async () => {
      await move(1, 2, 30);
      await expect(move(1, 2, 500)).rejects.toMatchObject({ code: "ERR_SQLSCOPE_CONSTRAINT" });
    });
    expect(await real.db.runInScope(() => getSession().select("SELECT balance FROM accounts ORDER BY id"))).toEqual([
      { balance: 70 },
      { balance: 30 },
    ]);
  });

  it("manual mode: begin/commit by hand, rollback on error; the autocommit modes refuse begin()", async () => {
    const schema =
      "CREATE TABLE audit (event TEXT); CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER CHECK (n <= 1)); INSERT INTO counters VALUES ('audit', 0);";
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
  /** The errors.md handler and sqlscopeErrors() over real HTTP on `db`, whose users table has two unique fields. */
  async function check(db: SQLScope): Promise<void> {
    const server = await expressServer(db, (app) => {
      app.post("/users", async (req, res) => {
        await getSession().execute("INSERT INTO docs_errors_log VALUES (1)");
        const { email, username } = req.body as { email: string; username: string };
        await getSession().execute("INSERT INTO docs_errors_users (email, username) VALUES (?, ?)", [email, username]);
        res.status(201).end();
      });
      app.get("/users/:email", async (req, res) => {
        await getSession().execute("INSERT INTO docs_errors_log VALUES (2)");
        res.json(await getSession().selectOne("SELECT * FROM docs_errors_users WHERE email = ?", [req.params.email]));
      });
      app.get("/boom", () => {
        throw new Error("boom");
      });
      app.use(errorHandler);
      app.use(sqlscopeErrors(db));
    });
    const post = (email: string, username: string) =>
      fetch(`${server.url}/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, username }),
      });
    try {
      expect((await post("a@x", "ada")).status).toBe(201);
      const email = await post("a@x", "other");
      expect([email.status, await email.json()]).toEqual([
        409,
        { field: "email", error: "This email is already registered." },
      ]);
      const username = await post("b@x", "ada");
      expect([username.status, await username.json()]).toEqual([
        409,
        { field: "username", error: "This username is taken." },
      ]);
      const missing = await fetch(`${server.url}/users/nobody`);
      expect([missing.status, await missing.text()]).toEqual([404, "404 Not Found\n"]);
      expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    } finally {
      await server.close();
    }
    expect(await db.runInScope(() => getSession().select("SELECT n FROM docs_errors_log"))).toEqual([{ n: 1 }]);
  }

  const schema = (id: string) => [
    `CREATE TABLE docs_errors_users (id ${id}, email VARCHAR(100) NOT NULL UNIQUE, username VARCHAR(100) NOT NULL UNIQUE)`,
    "CREATE TABLE docs_errors_log (n INTEGER)",
  ];
  const on = async (db: SQLScope, id: string, before: string[] = []) => {
    try {
      await db.runInScope(async () => {
        for (const statement of [
          ...before,
          "DROP TABLE IF EXISTS docs_errors_users",
          "DROP TABLE IF EXISTS docs_errors_log",
          ...schema(id),
        ])
          await getSession().execute(statement);
      });
      await check(db);
    } finally {
      await db.close();
    }
  };

  it("sqlite: a taken email or username is a 409 that says which; not found 404; anything else 500; each rolled back", async () => {
    await on(
      new SQLScope().add(sqlite({ filename: join(cwd, "errors.db") }), { commit: "autocommit" }),
      "INTEGER PRIMARY KEY",
    );
  });
  it("duckdb: the same", async () => {
    await on(
      new SQLScope().add(duckdb({ path: join(cwd, "errors.duckdb") }), { commit: "autocommit" }),
      "INTEGER PRIMARY KEY DEFAULT nextval('users_id')",
      ["CREATE SEQUENCE IF NOT EXISTS users_id"],
    );
  });
  const pgUrl = postgresTestUrl();
  it.skipIf(pgUrl === undefined)(
    "postgres: the same (its unique keys are named docs_errors_users_email_key, ...)",
    async () => {
      await on(
        new SQLScope().add(postgres({ connectionString: pgUrl ?? "" }), { commit: "autocommit" }),
        "SERIAL PRIMARY KEY",
      );
    },
  );
  const myUrl = mysqlTestUrl();
  it.skipIf(myUrl === undefined)("mysql: the same (it names the key, not the columns)", async () => {
    await on(
      new SQLScope().add(mysql({ uri: myUrl ?? "" }), { commit: "autocommit" }),
      "INTEGER AUTO_INCREMENT PRIMARY KEY",
    );
  });
});

describe("commit-handler.ts (commit-modes.md: the handler is the transaction)", () => {
  it("reads, awaits a hash, writes: 204 commits, 403 and 409 roll back, no account is a 404", async () => {
    const salt = "5a17";
    const pinHash = scryptSync("1234", salt, 32, { N: 1024 }).toString("hex");
    real =
      await sqliteDb(`CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, salt TEXT NOT NULL, pin_hash TEXT NOT NULL);
      INSERT INTO accounts VALUES (1, 100, '${salt}', '${pinHash}');`);
    const db = real.db;
    const server = await expressServer(db, (app) => {
      app.use("/accounts", accounts);
      app.use(sqlscopeErrors(db));
    });
    const withdraw = (id: number, amount: number, pin: string) =>
      fetch(`${server.url}/accounts/${id}/withdraw`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ amount, pin }),
      });
    const balance = () => db.runInScope(() => getSession().selectValue("SELECT balance FROM accounts WHERE id = 1"));
    try {
      expect((await withdraw(1, 30, "0000")).status).toBe(403);
      expect(await balance()).toBe(100);
      expect((await withdraw(1, 30, "1234")).status).toBe(204);
      expect(await balance()).toBe(70);
      expect((await withdraw(1, 100, "1234")).status).toBe(409);
      expect(await balance()).toBe(70);
      expect((await withdraw(2, 1, "1234")).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("scripts-isolated.ts (scripts.md: isolated scopes on SQLite)", () => {
  const schema = "CREATE TABLE refusals (account INTEGER, reason TEXT); CREATE TABLE payments (account INTEGER)";

  it("the refusal recorded in a hook outlives the rolled-back scope that wrote", async () => {
    real = await sqliteDb(schema);
    const db = real.db;
    await expect(
      db.runInScope(async () => {
        await getSession().execute("INSERT INTO payments VALUES (7)");
        recordRefusal(db, 7, "card declined");
        throw new Error("declined");
      }),
    ).rejects.toThrow("declined");
    expect(await db.runInScope(() => getSession().select("SELECT * FROM refusals"))).toEqual([
      { account: 7, reason: "card declined" },
    ]);
    expect(await db.runInScope(() => getSession().select("SELECT * FROM payments"))).toEqual([]);
  });

  // The rule scripts.md states. Today the inner write waits writeTimeoutMs for the gate its own scope
  // holds and fails with a SerializationError; it may become an immediate error: either way it fails.
  it("an isolated scope that writes under a scope that wrote cannot get the write gate", async () => {
    const { dir, remove } = tempDir();
    const db = new SQLScope({ onWarning: () => undefined }).add(
      sqlite({ filename: join(dir, "a.db"), writeTimeoutMs: 200 }),
      { commit: "autocommit" },
    );
    try {
      await db.runInScope(() => getSession().executeScript(schema));
      const nested = db.runInScope(async () => {
        await getSession().execute("INSERT INTO payments VALUES (1)");
        await db.runInScope(() => getSession().execute("INSERT INTO refusals VALUES (1, 'nested')"), {
          isolated: true,
        });
      });
      await expect(nested).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_SQLSCOPE_/) });
      expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM refusals"))).toBe(0);
    } finally {
      await db.close();
      remove();
    }
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
