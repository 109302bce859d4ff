// Bad input from application code: malformed SQL, wrong parameter counts and names, values that cannot
// be bound, huge parameters, unknown database keys, sessions used after their scope. Each is a typed
// error with a message that says what to do, and the scope still settles: nothing borrowed, no open
// transaction. On SQLite, PostgreSQL and MariaDB, plus one pass over real HTTP.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CommitFailedError,
  getSession,
  NoScopeError,
  ParameterError,
  QueryError,
  SessionClosedError,
  SQLScope,
  SQLScopeError,
  UnknownKeyError,
  type Session,
} from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { sqlite } from "@sqlscope/sqlite";
import { mysqlTestUrl, postgresTestUrl } from "@sqlscope/test-support";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mysqlBackend } from "../src/backends/mysql.ts";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send, statusOf } from "../src/client.ts";
import { assertQuiet } from "../src/invariants.ts";
import { Ledger } from "../src/ledger.ts";
import { startEnv } from "./env.ts";

interface Target {
  readonly name: string;
  readonly driver: Driver;
  readonly backend: Backend | undefined;
  close(): Promise<void>;
}

const pgUrl = postgresTestUrl();
const myUrl = mysqlTestUrl();
const targets: { name: string; make: () => Promise<Target> }[] = [
  {
    name: "sqlite",
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), "sqlscope-rel-bad-"));
      const filename = join(dir, "bad.db");
      const init = new Database(filename);
      init.exec(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0); CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
      );
      init.close();
      return {
        name: "sqlite",
        driver: sqlite({ filename }),
        backend: undefined,
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];
if (pgUrl !== undefined) {
  targets.push({
    name: "postgres",
    make: async () => {
      const backend = await postgresBackend(pgUrl, "rel_bad");
      return { name: "postgres", driver: backend.driver(), backend, close: () => backend.close() };
    },
  });
}
if (myUrl !== undefined) {
  targets.push({
    name: "mysql",
    make: async () => {
      const backend = await mysqlBackend(myUrl, "rel_bad");
      return { name: "mysql", driver: backend.driver(), backend, close: () => backend.close() };
    },
  });
}

/** Runs `use` in a scope, expects it to throw `type`, and returns the error. */
async function failure(db: SQLScope, use: (s: Session) => Promise<unknown>): Promise<SQLScopeError> {
  let caught: unknown;
  await db
    .runInScope(async () => {
      try {
        await use(getSession());
      } catch (error) {
        caught = error;
        throw error;
      }
    })
    .catch(() => undefined);
  expect(caught).toBeInstanceOf(SQLScopeError);
  return caught as SQLScopeError;
}

for (const t of targets) {
  describe(`bad input on ${t.name}`, () => {
    let target: Target;
    let db: SQLScope;

    beforeAll(async () => {
      target = await t.make();
      db = new SQLScope({ onWarning: () => undefined }).add(target.driver, {
        commit: "autocommit",
        pool: { max: 2, leakDetectionMs: 0 },
      });
    });
    afterEach(async () => {
      await assertQuiet(db, target.backend);
    });
    afterAll(async () => {
      await db?.close();
      await target?.close();
    });

    it("malformed SQL: QueryError carrying the SQL and the database's own code", async () => {
      const error = await failure(db, (s) => s.execute("SELEC 1"));
      expect(error).toBeInstanceOf(QueryError);
      expect(error.message).toMatch(/SELEC 1/);
      expect((error as QueryError).driverCode).toBeDefined();
    });

    it("too few and too many ? parameters: ParameterError with both counts", async () => {
      const few = await failure(db, (s) => s.execute("SELECT ?, ?", [1]));
      expect(few).toBeInstanceOf(ParameterError);
      expect(few.message).toMatch(/2 "\?" placeholder\(s\) but 1 parameter/);
      const many = await failure(db, (s) => s.execute("SELECT ?", [1, 2, 3]));
      expect(many.message).toMatch(/1 "\?" placeholder\(s\) but 3 parameter/);
    });

    it("a missing :name, an array for named placeholders, an object for ?: ParameterError naming the fix", async () => {
      const missing = await failure(db, (s) => s.execute("SELECT :a AS a, :b AS b", { a: 1 }));
      expect(missing.message).toMatch(/Missing value for :b/);
      const array = await failure(db, (s) => s.execute("SELECT :a AS a", [1]));
      expect(array.message).toMatch(/needs an object/);
      const object = await failure(db, (s) => s.execute("SELECT ? AS a", { a: 1 }));
      expect(object.message).toMatch(/needs an array/);
      const undef = await failure(db, (s) => s.execute("SELECT ? AS a", [undefined]));
      expect(undef.message).toMatch(/pass null/);
    });

    it("values that cannot bind (a function, a symbol): ParameterError before anything reaches the server", async () => {
      for (const value of [() => 1, Symbol("s")]) {
        const error = await failure(db, (s) => s.execute("INSERT INTO items (tag) VALUES (?)", [value]));
        expect(error).toBeInstanceOf(ParameterError);
        expect(error.message).toMatch(/cannot be stored in SQL/);
      }
      const named = await failure(db, (s) => s.execute("INSERT INTO items (tag) VALUES (:tag)", { tag: () => "x" }));
      expect(named.message).toMatch(/:tag is a function/);
    });

    it("a 10 MB string parameter round-trips intact", async () => {
      const huge = "x".repeat(10 * 1024 * 1024);
      const length = await db.runInScope(async () => {
        await getSession().execute("INSERT INTO blobs (body) VALUES (?)", [huge]);
        const back = await getSession().selectValue<string>("SELECT body FROM blobs");
        return back === huge ? back.length : -1;
      });
      expect(length).toBe(huge.length);
      await db.runInScope(() => getSession().execute("DELETE FROM blobs"));
    });

    it("an unknown database key and getSession() outside a scope: typed errors that name the fix", async () => {
      const unknown = await failure(db, async () => getSession("nope"));
      expect(unknown).toBeInstanceOf(UnknownKeyError);
      expect(unknown.message).toMatch(/Registered keys: "db"/);
      expect(() => getSession()).toThrow(NoScopeError);
    });

    it("a session used after its scope finished: SessionClosedError, connection already home", async () => {
      const leaked = await db.runInScope(async () => {
        const s = getSession();
        await s.execute("SELECT 1");
        return s;
      });
      await expect(leaked.execute("SELECT 1")).rejects.toBeInstanceOf(SessionClosedError);
      await expect(leaked.execute("SELECT 1")).rejects.toThrow(/Await every query/);
      expect(db.stats().borrowed).toBe(0);
    });

    it("an error caught and ignored inside the scope never turns into a silent partial commit", async () => {
      const tag = `ignored-${t.name}`;
      const outcome = await db
        .runInScope(async () => {
          const s = getSession();
          await s.execute("INSERT INTO items (tag) VALUES (?)", [tag]);
          await s.execute("SELEC 1").catch(() => undefined);
          await s.execute("INSERT INTO items (tag) VALUES (?)", [tag]).catch(() => undefined);
        })
        .then(
          () => "resolved",
          (error: unknown) => error,
        );
      const rows = await db.runInScope(() =>
        getSession().selectValue("SELECT count(*) AS n FROM items WHERE tag = ?", [tag]),
      );
      if (t.name === "postgres") {
        // The failed statement aborted the transaction: COMMIT became ROLLBACK, and sqlscope says so.
        expect(outcome).toBeInstanceOf(CommitFailedError);
        expect(Number(rows)).toBe(0);
      } else {
        // SQLite and MySQL keep the transaction after a failed statement: both inserts committed.
        expect(outcome).toBe("resolved");
        expect(Number(rows)).toBe(2);
      }
    });
  });
}

describe.skipIf(pgUrl === undefined)("bad input over HTTP (postgres)", () => {
  it("a route that sets an invalid status after its insert answers 500 (not a reset), rolls back and leaks nothing", async () => {
    const backend = await postgresBackend(pgUrl as string, "rel_bad_http");
    const ledger = new Ledger();
    const env = await startEnv(backend, { app: "express", ledger });
    try {
      // /status with code=abc: the insert runs, then res.end() with statusCode NaN throws, as without sqlscope.
      const outcome = await send(`${env.app.url}/status?tag=nan-status&code=abc`);
      ledger.record("nan-status", 1, outcome);
      expect(statusOf(outcome)).toBe(500);
      await assertQuiet(env.db, backend);
      expect(ledger.verify(await backend.committedRows())).toEqual([]);
    } finally {
      await env.close();
      await backend.close();
    }
  });
});
