// testing.md: the vitest sample runs here as written (imported, so it runs in a temp directory where
// src/db.ts opens its "app.db"); the node:test sample runs in a real `node --test` process.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { withRollback } from "../testing/by-hand.ts";
import { register } from "../testing/forms.ts";
import { inTempCwd, sqliteDb } from "./real.ts";

const cwd = inTempCwd();

describe("users.test.ts (the vitest sample)", async () => {
  await import("../testing/users.test.ts");
});

for (const form of ["value", "getter", "handle"] as const) {
  describe(`forms.ts: the ${form} form`, async () => {
    const real = await sqliteDb("CREATE TABLE n (x INTEGER)");
    afterAll(() => real.close());
    const t = register(real.db, form);
    it("writes inside the test's transaction", async () => {
      await real.db.runInScope(() => getSession().execute("INSERT INTO n VALUES (1)"));
      if (form === "handle") expect(t?.current).toBeDefined();
    });
    it("sees none of the previous test's rows", async () => {
      expect(await real.db.runInScope(() => getSession().selectValue("SELECT count(*) FROM n"))).toBe(0);
    });
  });
}

it("by-hand.ts: work is visible inside, gone after rollback()", async () => {
  const real = await sqliteDb("CREATE TABLE n (x INTEGER)");
  try {
    const count = () => real.db.runInScope(() => getSession().selectValue("SELECT count(*) FROM n"));
    let inside: unknown;
    await withRollback(real.db, async () => {
      await real.db.runInScope(() => getSession().execute("INSERT INTO n VALUES (1)"));
      inside = await count();
    });
    expect([inside, await count()]).toEqual([1, 0]);
  } finally {
    await real.close();
  }
});

it("users.node-test.ts passes under node --test", async () => {
  const file = fileURLToPath(new URL("../testing/users.node-test.ts", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@sqlscope/source", "--import", import.meta.resolve("tsx"), "--test", "--test-reporter=tap", file],
    { cwd },
  );
  expect(stdout).toMatch(/^# pass 2$/m);
  expect(stdout).toMatch(/^# fail 0$/m);
});
