import {
  ConnectionError,
  ConstraintError,
  getSession,
  SerializationError,
  SQLScope,
  type AddOptions,
} from "@sqlscope/core";
import { mysqlTestUrl } from "@sqlscope/test-support";
import type { Connection as PromiseConnection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysql, MysqlConnection, type MysqlOptions } from "../src/index.ts";
import { createTestDatabase, eventually, isAlive, type TestDatabase } from "./helpers.ts";

const serverUrl = mysqlTestUrl();

describe.skipIf(serverUrl === undefined)("@sqlscope/mysql against a real MariaDB", () => {
  let tdb: TestDatabase;
  const registries: SQLScope[] = [];

  function open(add: AddOptions = {}, options: Partial<MysqlOptions> = {}): SQLScope {
    const db = new SQLScope({ onWarning: () => undefined }).add(mysql({ uri: tdb.url, ...options }), {
      commit: "autocommit",
      ...add,
    });
    registries.push(db);
    return db;
  }
  const connectionId = () => getSession().selectValue<number>("SELECT CONNECTION_ID()");

  beforeAll(async () => {
    tdb = await createTestDatabase(serverUrl as string, "mydriver");
    await open().runInScope(() =>
      getSession().executeScript(`
        CREATE TABLE parents (id INT PRIMARY KEY) ENGINE=InnoDB;
        CREATE TABLE kids (id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES parents (id)) ENGINE=InnoDB;
        CREATE TABLE counters (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB;
        CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL) ENGINE=InnoDB;
        INSERT INTO parents VALUES (1); INSERT INTO kids VALUES (1, 1);
        INSERT INTO counters VALUES (1, 0), (2, 0);
      `),
    );
  });

  afterAll(async () => {
    for (const db of registries) await db.close();
    await tdb?.drop();
  });

  it("round-trips quotes, backslashes and '?' in values and literals (backslash escapes on)", async () => {
    const db = open();
    const tricky = "it's a \\ back'slash? :name";
    const row = await db.runInScope(() => getSession().selectOne("SELECT 'lit\\'?' AS a, ? AS b", [tricky]));
    expect(row).toEqual({ a: "lit'?", b: tricky });
    const named = await db.runInScope(() => getSession().selectOne('SELECT "x\\":y" AS a, :v AS b', { v: tricky }));
    expect(named).toEqual({ a: 'x":y', b: tricky });
    const { lastInsertId } = await db.runInScope(() =>
      getSession().execute("INSERT INTO notes (body) VALUES (?)", [tricky]),
    );
    expect(typeof lastInsertId).toBe("number");
    expect(
      await db.runInScope(() => getSession().selectValue("SELECT body FROM notes WHERE id = ?", [lastInsertId])),
    ).toBe(tricky);
  });

  it("returns BIGINT as a number when exact and as a string beyond 2^53, never rounded", async () => {
    const db = open();
    const row = await db.runInScope(() =>
      getSession().selectOne("SELECT CAST(? AS SIGNED) AS small, CAST('9007199254740993' AS SIGNED) AS big", [42]),
    );
    expect(row).toEqual({ small: 42, big: "9007199254740993" });
  });

  it("replaces a pooled connection the server KILLed, without handing it to anyone", async () => {
    // validateAfterIdleMs is high: what saves us here is the 'end' listener marking the connection broken.
    const db = open({ pool: { max: 1, validateAfterIdleMs: 60_000 } });
    let raw!: PromiseConnection;
    const id1 = await db.runInScope(async () => {
      raw = await getSession().connection<PromiseConnection>();
      return connectionId();
    });
    const ended = new Promise<void>((resolve) => raw.once("end", () => resolve()));
    await tdb.admin.query(`KILL CONNECTION ${id1}`);
    await ended;
    const id2 = await db.runInScope(connectionId);
    expect(id2).not.toBe(id1);
    expect(db.stats()).toMatchObject({ size: 1, borrowed: 0 });
  });

  it("replaces a connection closed by wait_timeout while idle (validated after validateAfterIdleMs)", async () => {
    const db = open({ pool: { max: 1, validateAfterIdleMs: 200 } }, { sessionVariables: { wait_timeout: 1 } });
    const id1 = await db.runInScope(connectionId);
    await eventually(async () => !(await isAlive(tdb.admin, id1)), "wait_timeout closes the idle connection", 5_000);
    const id2 = await db.runInScope(connectionId);
    expect(id2).not.toBe(id1);
  });

  it("fails a scope whose borrowed connection was KILLed with a retryable ConnectionError and destroys it", async () => {
    const db = open({ pool: { max: 1 } });
    let id1 = 0;
    const outcome = db.runInScope(async () => {
      id1 = await connectionId();
      await tdb.admin.query(`KILL CONNECTION ${id1}`);
      await eventually(async () => !(await isAlive(tdb.admin, id1)), "connection gone");
      await getSession().execute("UPDATE counters SET v = v + 1 WHERE id = 2");
    });
    await expect(outcome).rejects.toBeInstanceOf(ConnectionError);
    await expect(outcome).rejects.toMatchObject({ retryable: true });
    const id2 = await db.runInScope(connectionId);
    expect(id2).not.toBe(id1);
    expect(db.stats()).toMatchObject({ size: 1, borrowed: 0 });
  });

  it("resets session state on release and re-applies sessionVariables", async () => {
    const db = open({ commit: "manual", pool: { max: 1 } }, { sessionVariables: { innodb_lock_wait_timeout: 7 } });
    const id1 = await db.runInScope(async () => {
      const s = getSession();
      await s.execute("SET @leftover = 42");
      await s.execute("SET SESSION innodb_lock_wait_timeout = 99");
      await s.execute("CREATE TEMPORARY TABLE tmp_leftover (x INT)");
      // Behind the session's back: only the connection reset can undo this.
      const raw = await s.connection<PromiseConnection>();
      await raw.query("START TRANSACTION");
      await raw.query("UPDATE counters SET v = 1000 WHERE id = 1");
      return connectionId();
    });
    const after = await db.runInScope(async () => {
      const s = getSession();
      return {
        id: await connectionId(),
        leftover: await s.selectValue("SELECT @leftover"),
        lockWait: Number(await s.selectValue("SELECT @@SESSION.innodb_lock_wait_timeout")),
        temp: await s.select("SELECT * FROM tmp_leftover").then(
          () => "still there",
          (e: { driverCode?: string }) => e.driverCode,
        ),
        v: await s.selectValue("SELECT v FROM counters WHERE id = 1"),
      };
    });
    expect(after).toEqual({ id: id1, leftover: null, lockWait: 7, temp: "ER_NO_SUCH_TABLE", v: 0 });
  });

  it('resetOnRelease "auto" resets only connections that may carry session state', async () => {
    // What the pool does on release: reset only when the connection says it needs one.
    const release = async (c: MysqlConnection) => {
      if (c.needsReset()) await c.reset();
    };
    const conn = (await mysql({ uri: tdb.url }).connect()) as MysqlConnection;
    try {
      await conn.query("SELECT ? AS email", ["someone@example.com"]); // an '@' in a value is not state
      await conn.query("UPDATE counters SET v = v WHERE id = ?", [1]);
      await release(conn);
      expect(conn.resets).toBe(0);
      await conn.query("SET @a = 1", []);
      await release(conn);
      expect(conn.resets).toBe(1);
      expect((await conn.query("SELECT @a AS a", [])).rows).toEqual([{ a: null }]);
      await release(conn); // reading @a counted as possible state: reset again, cheaply correct
      await conn.raw.query("SET @b = 2"); // the raw handle: anything may have happened
      await release(conn);
      expect(conn.resets).toBe(3);
    } finally {
      await conn.close();
    }
    const always = (await mysql({ uri: tdb.url, resetOnRelease: true }).connect()) as MysqlConnection;
    try {
      await always.query("SELECT 1", []);
      await release(always);
      expect(always.resets).toBe(1);
    } finally {
      await always.close();
    }
  });

  it("resets a connection whose raw handle set state, even with no statement through the session", async () => {
    const db = open({ commit: "manual", pool: { max: 1 } });
    await db.runInScope(async () => {
      const raw = await getSession().connection<PromiseConnection>();
      await raw.query("SET @via_raw = 'leak'");
    });
    expect(await db.runInScope(() => getSession().selectValue("SELECT @via_raw"))).toBeNull();
  });

  it("without resetOnRelease, still rolls back a transaction the server reports open", async () => {
    const db = open({ commit: "manual", pool: { max: 1 } }, { resetOnRelease: false });
    await db.runInScope(async () => {
      await getSession().execute("START TRANSACTION"); // the session does not track this one
      await getSession().execute("UPDATE counters SET v = 500 WHERE id = 1");
    });
    expect(await db.runInScope(() => getSession().selectValue("SELECT v FROM counters WHERE id = 1"))).toBe(0);
  });

  it("turns a deadlock (1213) into a retryable SerializationError; the other side commits", async () => {
    const db = open({ pool: { max: 2 } });
    let aLocked!: () => void;
    let bLocked!: () => void;
    const aReady = new Promise<void>((r) => (aLocked = r));
    const bReady = new Promise<void>((r) => (bLocked = r));
    const side = (first: number, second: number, mark: () => void, other: Promise<void>) =>
      db.runInScope(async () => {
        const s = getSession();
        await s.execute("UPDATE counters SET v = v + 1 WHERE id = ?", [first]);
        mark();
        await other;
        await s.execute("UPDATE counters SET v = v + 1 WHERE id = ?", [second]);
      });
    const results = await Promise.allSettled([side(1, 2, aLocked, bReady), side(2, 1, bLocked, aReady)]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(SerializationError);
    expect(rejected[0]?.reason).toMatchObject({ retryable: true, cause: { errno: 1213 } });
    await db.runInScope(() => getSession().execute("UPDATE counters SET v = 0"));
  });

  it("turns a lock wait timeout (1205) into a retryable SerializationError", async () => {
    const db = open({ pool: { max: 2 } }, { sessionVariables: { innodb_lock_wait_timeout: 1 } });
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const holder = db.runInScope(async () => {
      await getSession().execute("UPDATE counters SET v = v WHERE id = 2");
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await holding;
    const waiter = db.runInScope(() => getSession().execute("UPDATE counters SET v = v + 1 WHERE id = 2"), {
      isolated: true,
    });
    await expect(waiter).rejects.toBeInstanceOf(SerializationError);
    await expect(waiter).rejects.toMatchObject({ cause: { errno: 1205 } });
    release();
    await holder;
  });

  it("reports deleting a referenced row as a foreign_key ConstraintError", async () => {
    const db = open();
    const error = await db
      .runInScope(() => getSession().execute("DELETE FROM parents WHERE id = 1"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConstraintError);
    expect(error).toMatchObject({ constraint: "foreign_key", driverCode: "ER_ROW_IS_REFERENCED_2" });
  });

  it("keeps bound values out of errors: the driver error's sql is the template, not the interpolated text", async () => {
    const db = open();
    const secret = "s3cret-value-".repeat(1000);
    const error = await db
      .runInScope(() => getSession().execute("INSERT INTO no_such_table (v) VALUES (?)", [secret]))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_SQLSCOPE_QUERY" });
    const cause = (error as { cause: { sql?: string } }).cause;
    expect(cause.sql).toBe("INSERT INTO no_such_table (v) VALUES (?)");
    expect(JSON.stringify(cause)).not.toContain("s3cret-value");
  });

  it("streams a large result, and a stream broken off early leaves the connection usable", async () => {
    const db = open({ pool: { max: 1 } });
    await db.runInScope(async () => {
      const s = getSession();
      let n = 0;
      let sum = 0;
      for await (const row of s.stream<{ seq: number }>("SELECT seq FROM seq_1_to_20000")) {
        n++;
        sum += Number(row.seq);
      }
      expect({ n, sum }).toEqual({ n: 20_000, sum: 200_010_000 });
      for await (const row of s.stream<{ seq: number }>("SELECT seq FROM seq_1_to_20000"))
        if (Number(row.seq) === 5) break;
      expect(await s.selectValue("SELECT 42")).toBe(42);
    });
  });

  it("ends a stream with a ConnectionError, not a hang, when its connection is killed mid-way", async () => {
    const db = open({ pool: { max: 1 } });
    const outcome = db.runInScope(async () => {
      const s = getSession();
      const id = await connectionId();
      let n = 0;
      for await (const _row of s.stream("SELECT a.seq FROM seq_1_to_1000 a, seq_1_to_1000 b")) {
        if (++n === 10) await tdb.admin.query(`KILL CONNECTION ${id}`);
      }
      return n;
    });
    await expect(outcome).rejects.toBeInstanceOf(ConnectionError);
    expect(await db.runInScope(() => getSession().selectValue("SELECT 1"))).toBe(1);
  });
});
