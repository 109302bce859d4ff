import { SQLScope, getSession } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

const schema = "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL)";
const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });

await db.runInScope(async () => {
  await getSession().executeScript(schema);
  await getSession().execute("INSERT INTO jobs (name) VALUES (?)", ["nightly"]);
}); // committed here; had the function thrown, rolled back and rethrown

await db.close(); // drains the pools so the process can exit
