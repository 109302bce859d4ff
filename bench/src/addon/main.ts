// better-sqlite3 12 against 13 on one Node: raw operations and one sqlscope request path, in process.
// Each operation is timed as CPU time (process.cpuUsage, user + system) over many iterations: on a
// shared machine, time spent waiting for a core would otherwise count against whichever ran then. It runs on whichever better-sqlite3 resolves from where it is
// copied: bench/scripts/better-sqlite3-versions.sh puts it in two throwaway projects (one per major,
// with the packed @sqlscope packages) and runs it with Node's own type stripping (Node >= 22.18),
// alternating the two, so only erasable TypeScript here. Prints one JSON line: CPU ns per operation.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import Database from "better-sqlite3";

const ROWS = 10_000;
const dir = mkdtempSync(join(tmpdir(), "sqlscope-addon-bench-"));
const file = join(dir, "bench.db");
const ids = Array.from({ length: 4096 }, (_, i) => ((i * 7919) % ROWS) + 1);

const raw = new Database(file);
raw.pragma("journal_mode = WAL");
raw.pragma("synchronous = NORMAL");
raw.exec(
  "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, score INTEGER NOT NULL)",
);
raw.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL)");
const insertUser = raw.prepare("INSERT INTO users (id, email, name, score) VALUES (?, ?, ?, ?)");
raw.transaction(() => {
  for (let id = 1; id <= ROWS; id++) insertUser.run(id, `user${id}@example.com`, `User ${id}`, id % 97);
})();

const byId = raw.prepare("SELECT * FROM users WHERE id = ?");
const hundred = raw.prepare("SELECT * FROM users WHERE id > ? ORDER BY id LIMIT 100");
const begin = raw.prepare("BEGIN");
const commit = raw.prepare("COMMIT");
const insertEvent = raw.prepare("INSERT INTO events (user_id, kind) VALUES (?, ?)");

type Case = (i: number) => unknown;

const cases: Record<string, Case> = {
  "get by primary key": (i) => byId.get(ids[i & 4095]),
  "all(), 100 rows": (i) => hundred.all((ids[i & 4095] ?? 1) % (ROWS - 100)),
  "BEGIN, get, COMMIT": (i) => {
    begin.run();
    byId.get(ids[i & 4095]);
    return commit.run();
  },
  "BEGIN, insert, COMMIT": (i) => {
    begin.run();
    insertEvent.run(ids[i & 4095], "click");
    return commit.run();
  },
  "prepare()": () => raw.prepare("SELECT id, email FROM users WHERE score = ? AND id > ?"),
};

/** CPU nanoseconds per iteration since `start` (a process.cpuUsage() reading). */
function perIteration(start: NodeJS.CpuUsage, iterations: number): number {
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

function time(fn: Case, iterations: number): number {
  for (let i = 0; i < iterations / 10; i++) fn(i);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn(i);
  return perIteration(start, iterations);
}

async function timeAsync(fn: (i: number) => Promise<unknown>, iterations: number): Promise<number> {
  for (let i = 0; i < iterations / 10; i++) await fn(i);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await fn(i);
  return perIteration(start, iterations);
}

const scale = Number(process.env.ADDON_BENCH_SCALE ?? "1");
const result: Record<string, number | string> = {
  betterSqlite3: (createRequire(import.meta.url)("better-sqlite3/package.json") as { version: string }).version,
  node: process.version,
};
for (const [name, fn] of Object.entries(cases))
  result[name] = time(fn, Math.round((name === "prepare()" ? 50_000 : 200_000) * scale));

// One request's worth of sqlscope on the same file: a scope, a read transaction, one row, COMMIT.
const db = new SQLScope().add(sqlite({ filename: file }), { commit: "autocommit" });
result["sqlscope runInScope + selectOne"] = await timeAsync(
  (i) => db.runInScope(() => getSession().selectOne("SELECT * FROM users WHERE id = ?", [ids[i & 4095]])),
  Math.round(100_000 * scale),
);
result["sqlscope runInScope + execute (write)"] = await timeAsync(
  (i) =>
    db.runInScope(() =>
      getSession().execute("INSERT INTO events (user_id, kind) VALUES (?, ?)", [ids[i & 4095], "view"]),
    ),
  Math.round(50_000 * scale),
);
await db.close();
raw.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
