import { getSession, SQLScope } from "@sqlscope/core";
import { duckdb } from "@sqlscope/duckdb";
import { postgres } from "@sqlscope/postgres";

// docs:start tenant
/**
 * Runs `work` with the tenant in a setting that row-level security policies read
 * (`current_setting('app.tenant_id')`). `set_config(..., true)` is `SET LOCAL`: it ends with the
 * scope's transaction, committed or rolled back, so it needs a key with commit: "autocommit".
 */
export async function asTenant<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
  await getSession().selectValue("SELECT set_config('app.tenant_id', ?, true)", [tenantId]);
  return work();
}
// docs:end

// docs:start lockdown
export const db = new SQLScope()
  .add(postgres({ connectionString: process.env.DATABASE_URL ?? "postgres://localhost/app" }), { commit: "autocommit" })
  // SQL on this key cannot read or write files or URLs (read_csv, COPY ... TO, ATTACH of a file, httpfs).
  .add(duckdb({ path: "events.duckdb", externalAccess: false }), { key: "events", commit: "autocommit" });
// docs:end
