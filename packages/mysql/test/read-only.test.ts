// A read-only key on MariaDB (what a replica key is): START TRANSACTION READ ONLY, so reads work and a
// write is a ReadOnlyError that did not run. Routing to a real replica is tested on PostgreSQL
// (packages/postgres/test/replica.test.ts); MariaDB's replicas answer writes with the same error class.
import { getReadSession, getSession, ReadOnlyError, SQLScope } from "@sqlscope/core";
import { mysqlTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysql } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "./helpers.ts";

const serverUrl = mysqlTestUrl();

describe.skipIf(serverUrl === undefined)("@sqlscope/mysql: read-only keys", () => {
  let tdb: TestDatabase;
  let db: SQLScope;

  beforeAll(async () => {
    tdb = await createTestDatabase(serverUrl as string, "myreadonly");
    await tdb.admin.query(
      `CREATE TABLE \`${new URL(tdb.url).pathname.slice(1)}\`.notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL) ENGINE=InnoDB`,
    );
    db = new SQLScope({ onWarning: () => undefined })
      .add(mysql({ uri: tdb.url }), { key: "db", commit: "autocommit" })
      // The same server stands in for a replica: what makes it read-only here is the READ ONLY begin.
      .add(mysql({ uri: tdb.url }), { key: "replica", replicaOf: "db" });
  });

  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("reads run in a read-only transaction; a write is a ReadOnlyError naming the primary's key, and nothing is written", async () => {
    await db.runInScope(async () => {
      expect(getReadSession()).toBe(getSession("replica"));
      expect(await getReadSession().selectValue<number>("SELECT count(*) FROM notes")).toBe(0);
      const error = await getSession("replica")
        .execute("INSERT INTO notes (body) VALUES (?)", ["no"])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReadOnlyError);
      expect((error as Error).message).toMatch(/read-only transaction.*getSession\("db"\)/);
    });
    expect(await db.runInScope(() => getSession().selectValue<number>("SELECT count(*) FROM notes"))).toBe(0);
    // The primary's key writes as usual.
    await db.runInScope(() => getSession().execute("INSERT INTO notes (body) VALUES (?)", ["yes"]));
    expect(await db.runInScope(() => getReadSession().selectValue<number>("SELECT count(*) FROM notes"))).toBe(1);
  });
});
