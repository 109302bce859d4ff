import { fileURLToPath } from "node:url";
import { SQLScope } from "@sqlscope/core";
import { sqlscopeDialect } from "@sqlscope/kysely";
import { sqlite } from "@sqlscope/sqlite";
import { Kysely, sql, type Generated } from "kysely";

export interface Database {
  users: { id: Generated<number>; email: string; name: string; created_at: Generated<string> };
}

/** The app's database and its Kysely: every Kysely query runs in the request's transaction. */
export function createDatabase(
  filename = process.env.SQLSCOPE_DB ?? fileURLToPath(new URL("../users.db", import.meta.url)),
): {
  db: SQLScope;
  kysely: Kysely<Database>;
} {
  const db = new SQLScope().add(sqlite({ filename }), { key: "db", commit: "autocommit" });
  return { db, kysely: new Kysely<Database>({ dialect: sqlscopeDialect(db) }) };
}

/** Schema set-up, with Kysely's schema builder; run it inside db.runInScope(). */
export async function createSchema(kysely: Kysely<Database>): Promise<void> {
  await kysely.schema
    .createTable("users")
    .ifNotExists()
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute();
}
