// security.md: the tenant setting that ends with the scope's transaction, and the locked-down DuckDB key,
// on the run's throwaway PostgreSQL and a DuckDB file in a temp directory.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getSession, QueryError, type SQLScope } from "@sqlscope/core";
import { postgresTestUrl } from "@sqlscope/test-support";
import { inTempCwd } from "./real.ts";

const dir = inTempCwd();
const url = postgresTestUrl();

describe.skipIf(url === undefined)("security.md", () => {
  let db: SQLScope;
  afterAll(() => db?.close());

  it("asTenant: the setting holds for the scope's transaction and is gone for the next scope", async () => {
    process.env.DATABASE_URL = url;
    const sample = await import("../security.ts");
    db = sample.db;
    const tenant = () => getSession().selectValue("SELECT coalesce(current_setting('app.tenant_id', true), '')");
    expect(await db.runInScope(() => sample.asTenant("acme", tenant))).toBe("acme");
    expect(await db.runInScope(tenant)).toBe("");
  });

  it("the events key reads no files", async () => {
    const csv = join(dir, "secret.csv");
    writeFileSync(csv, "a\n1\n");
    await expect(
      db.runInScope(() => getSession("events").select(`SELECT * FROM read_csv('${csv}')`)),
    ).rejects.toBeInstanceOf(QueryError);
  });
});
