import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDriverConformance } from "@sqlscope/core/testing";
import { afterAll } from "vitest";
import { sqlite } from "../src/index.ts";
import { sqliteValues } from "./values.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-sqlite-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runDriverConformance({
  name: "sqlite",
  makeDriver: () => sqlite({ filename: join(dir, "conformance.db") }),
  capabilities: { savepoints: true, lastInsertId: true, returning: true },
  values: sqliteValues,
});
