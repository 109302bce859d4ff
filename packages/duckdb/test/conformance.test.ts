import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDriverConformance } from "@sqlscope/core/testing";
import { afterAll } from "vitest";
import { duckdb } from "../src/index.ts";
import { duckdbValues } from "./values.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlscope-duckdb-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runDriverConformance({
  name: "duckdb",
  makeDriver: () => duckdb({ path: join(dir, "conformance.duckdb") }),
  capabilities: { savepoints: false, lastInsertId: false, returning: true, castOperator: true },
  values: duckdbValues,
  sql: {
    // DuckDB generates keys from a sequence; this file is the suite's alone, so a fixed name is safe.
    autoIncrementPk: "INTEGER PRIMARY KEY DEFAULT nextval('conformance_seq')",
    beforeSchema: ["CREATE SEQUENCE conformance_seq"],
    afterSchema: ["DROP SEQUENCE IF EXISTS conformance_seq"],
  },
});
