/**
 * A standalone script on runInScope: the "init-db" command of a CLI. Creates the schema and seeds a
 * few rows in one transaction: all of it commits when the function resolves, none of it if it throws.
 *
 *   pnpm --filter example-script start [path/to/app.db]
 */
import { getSession, runInScope, SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export const schema = `
  CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
`;

const seed = [
  { email: "ada@example.com", name: "Ada Lovelace" },
  { email: "grace@example.com", name: "Grace Hopper" },
];

/** Creates the schema and the seed users; returns how many users exist afterwards. */
export async function initDb(filename: string): Promise<number> {
  const db = new SQLScope().add(sqlite({ filename }), { commit: "autocommit" });
  try {
    // The free runInScope uses the only SQLScope of the process (see docs/scripts.md for several).
    return await runInScope(async () => {
      const s = getSession();
      await s.executeScript(schema);
      await s.executeMany("INSERT OR IGNORE INTO users (email, name) VALUES (:email, :name)", seed);
      return await s.selectValue<number>("SELECT count(*) FROM users");
    });
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const filename = process.argv[2] ?? "app.db";
  const count = await initDb(filename);
  console.log(`init-db: ${filename} is ready with ${count} users.`);
}
