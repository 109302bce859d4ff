import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { initDb } from "../src/init-db.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-init-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("init-db creates the schema and seeds once, idempotently", async () => {
  const file = join(dir, "app.db");
  expect(await initDb(file)).toBe(2);
  expect(await initDb(file)).toBe(2);
});
