import { CommitFailedError, SQLScope } from "@sqlscope/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { tempDir } from "./helpers.ts";

// COMMIT itself can fail in SQLite (a deferred foreign key still violated): the synchronous commit
// path must still end the transaction, release the write gate and return a clean connection.
describe("a COMMIT that SQLite refuses", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: SQLScope;

  beforeEach(async () => {
    tmp = tempDir();
    db = new SQLScope().add(sqlite({ filename: tmp.file("app.db") }), { key: "db", commit: "autocommit" });
    await db.runInScope(() =>
      db
        .getSession()
        .executeScript(
          "CREATE TABLE parent (id INTEGER PRIMARY KEY);" +
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
        ),
    );
  });
  afterEach(async () => {
    await db.close();
    tmp.cleanup();
  });

  it("fails the scope with CommitFailedError, rolls back, and leaves the gate free for the next writer", async () => {
    const scope = db.createScope();
    await scope.run(() => db.getSession().execute("INSERT INTO child (parent_id) VALUES (?)", [42]));
    const report = await scope.finish({ status: 200 });
    expect(report.ok).toBe(false);
    expect(report.error).toBeInstanceOf(CommitFailedError);
    expect(db.stats()).toMatchObject({ borrowed: 0 });

    // The next write transaction gets the gate at once and commits; the refused row is gone.
    await db.runInScope(async () => {
      await db.getSession().execute("INSERT INTO parent (id) VALUES (?)", [1]);
      await db.getSession().execute("INSERT INTO child (parent_id) VALUES (?)", [1]);
    });
    const rows = await db.runInScope(() =>
      db.getSession().select<{ parent_id: number }>("SELECT parent_id FROM child"),
    );
    expect(rows).toEqual([{ parent_id: 1 }]);
  });
});
