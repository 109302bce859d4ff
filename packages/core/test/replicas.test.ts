// Read-only keys and replica routing on the fake driver: what add() accepts, READ ONLY begins, which
// session getReadSession() picks (replica; primary once the scope used it; primary while the replica
// is down, back after a probe). A real streaming replica: packages/postgres/test/replica.test.ts.
import { INTERNALS } from "../src/registry.ts";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, getReadSession, getSession, ReadOnlyError, runInScope, SQLScope } from "../src/index.ts";
import { FakeDbError, FakeDriver } from "./support/fake-driver.ts";
import { closeAll, makeDb, rejection, sleep, until } from "./helpers.ts";

afterEach(closeAll);

const replicaDriver = () => new FakeDriver({ readOnlyTransactions: true });

function primaryAndReplica(replica: Record<string, unknown> = {}) {
  return makeDb({
    db: { commit: "autocommit", fake: { readOnlyTransactions: true } },
    replica: {
      replicaOf: "db",
      probeIntervalMs: 20,
      pool: { acquireTimeoutMs: 200, createBackoffMs: 1 },
      fake: { readOnlyTransactions: true },
      ...replica,
    },
  });
}

describe("add() with readOnly / replicaOf", () => {
  it("a replica is read-only, autocommit by default, and its sessions begin READ ONLY", async () => {
    const { db, driver } = primaryAndReplica();
    expect(db[INTERNALS].database("replica")).toMatchObject({
      readOnly: true,
      replicaOf: "db",
      policy: { mode: "autocommit" },
    });
    await db.runInScope(() => getSession("replica").select("SELECT 1"));
    expect(driver("replica").connections[0]?.ops()).toEqual(["beginReadOnly", "query", "commit"]);
    // The primary is untouched by it.
    expect(driver("db").connections).toHaveLength(0);
  });

  it("readOnly: true on any key begins READ ONLY; a write failing there is a ReadOnlyError that names the fix", async () => {
    const driver = new FakeDriver({ readOnlyTransactions: true });
    const db = new SQLScope({ onWarning: () => undefined }).add(driver, { key: "ro", readOnly: true });
    try {
      driver.failOn("query", {
        how: "reject",
        match: "INSERT",
        error: new FakeDbError("cannot execute INSERT in a read-only transaction", { kind: "read_only" }),
      });
      const error = await rejection(db.runInScope(() => getSession().execute("INSERT INTO t VALUES (1)")));
      expect(error).toBeInstanceOf(ReadOnlyError);
      expect(error).toMatchObject({ code: "ERR_SQLSCOPE_READ_ONLY", key: "ro" });
      expect((error as Error).message).toMatch(/read-only \(readOnly: true\)/);
      expect(driver.connections[0]?.ops()).toEqual(["beginReadOnly", "query", "rollback"]);
    } finally {
      await db.close();
    }
  });

  it.each([
    ["an unknown primary", { replicaOf: "nope" }, /not registered: add the primary first/],
    ["manual commit", { replicaOf: "db", commit: "manual" }, /use commit: "autocommit"/],
    ["readOnly: false", { replicaOf: "db", readOnly: false }, /drop readOnly: false/],
    ["fallback without replicaOf", { fallback: true }, /are for replicas/],
    ["a bad probe interval", { replicaOf: "db", probeIntervalMs: 0 }, /probeIntervalMs/],
  ])("refuses %s with a ConfigError that says what to do", (_what, options, message) => {
    const db = new SQLScope().add(new FakeDriver({ readOnlyTransactions: true }), { key: "db" });
    try {
      const add = () => db.add(replicaDriver(), { key: "replica", ...(options as object) });
      expect(add).toThrow(ConfigError);
      expect(add).toThrow(message);
    } finally {
      void db.close();
    }
  });

  it("refuses a driver without read-only transactions, and a second replica for one primary", async () => {
    const db = new SQLScope().add(new FakeDriver(), { key: "db" });
    try {
      expect(() => db.add(new FakeDriver(), { key: "r1", replicaOf: "db" })).toThrow(
        /cannot begin read-only transactions/,
      );
      db.add(replicaDriver(), { key: "r2", replicaOf: "db" });
      expect(() => db.add(replicaDriver(), { key: "r3", replicaOf: "db" })).toThrow(/already has a replica/);
    } finally {
      await db.close();
    }
  });
});

describe("getReadSession()", () => {
  it("reads on the replica; once the scope used the primary, on the primary (read your writes)", async () => {
    const { db, driver } = primaryAndReplica();
    await db.runInScope(async () => {
      expect(getReadSession()).toBe(getSession("replica"));
      expect(db.getReadSession("db")).toBe(getSession("replica"));
      await getReadSession().select("SELECT 1");
      await getSession().execute("INSERT INTO t VALUES (1)");
      expect(getReadSession()).toBe(getSession("db"));
    });
    expect(driver("replica").connections[0]?.ops()).toEqual(["beginReadOnly", "query", "commit"]);
    expect(driver("db").connections[0]?.ops()).toEqual(["begin", "query", "commit"]);
  });

  it("without a replica it is getSession(); outside a scope it is NoScopeError", async () => {
    const { db } = makeDb({ db: { commit: "autocommit" } });
    await db.runInScope(() => expect(getReadSession()).toBe(getSession()));
    expect(() => getReadSession()).toThrow(/outside a sqlscope scope/);
    await expect(runInScope(() => getReadSession().select("SELECT 1"))).resolves.toEqual([]);
  });

  it("falls back to the primary while the replica cannot be connected to, and returns to it after a probe connects", async () => {
    const { db, driver } = primaryAndReplica();
    const replica = driver("replica");
    replica.failOn("connect", {
      how: "reject",
      error: new FakeDbError("ECONNREFUSED", { kind: "connection", fatal: true }),
    });
    // The scope that finds it down first waits for its acquire deadline (a 503): it chose the replica before anyone knew.
    const first = await rejection(db.runInScope(() => getReadSession().select("SELECT 1")));
    expect(first).toMatchObject({ code: "ERR_SQLSCOPE_POOL_TIMEOUT" });
    // From then on, reads go to the primary; the replica sees one probe per interval, not one connect per read.
    const before = replica.connectAttempts.length;
    for (let i = 0; i < 10; i++) {
      await db.runInScope(async () => {
        expect(getReadSession()).toBe(getSession("db"));
        await getReadSession().select("SELECT 1");
      });
    }
    await sleep(50);
    expect(replica.connectAttempts.length - before).toBeLessThanOrEqual(3);
    // Back up: the next probe (reads keep coming) connects, and reads return to the replica.
    replica.clearFailures();
    let onReplica = false;
    await until(() => {
      void db.runInScope(() => {
        onReplica = getReadSession() === getSession("replica");
      });
      return onReplica;
    });
    // The probe connects outside the pool and closes what it opened (its close may land just after the
    // switch; a connect the pool retried in the background may be in the list too, so find it by its ops).
    const probeOps = () => replica.connections.filter((c) => c.ops().includes("validate")).map((c) => c.ops());
    await until(() => probeOps().length > 0 && probeOps().every((ops) => ops.at(-1) === "close"));
    expect(probeOps()).toEqual([["validate", "close"]]);
    await db.runInScope(() => getReadSession().select("SELECT 1"));
    const reads = replica.connections.filter((c) => c.ops().includes("beginReadOnly")).map((c) => c.ops());
    expect(reads).toEqual([["beginReadOnly", "query", "commit"]]);
  });

  it("fallback: false keeps reads on the replica (they fail like any unreachable database)", async () => {
    const { db, driver } = primaryAndReplica({ fallback: false });
    driver("replica").failOn("connect", {
      how: "reject",
      error: new FakeDbError("ECONNREFUSED", { kind: "connection", fatal: true }),
    });
    for (let i = 0; i < 2; i++) {
      const error = await rejection(db.runInScope(() => getReadSession().select("SELECT 1")));
      expect(error).toMatchObject({ code: "ERR_SQLSCOPE_POOL_TIMEOUT" });
    }
    expect(driver("db").connections).toHaveLength(0);
  });
});
