// The cost of write intent on SQLite, in process (no HTTP): runInScope with and without intent "write"
// on a read-first and a write-first scope, interleaved rounds. `pnpm --filter sqlscope-bench intent-cost`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLScope, getSession } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
const dir = mkdtempSync(join(tmpdir(), "intent-"));
const db = new SQLScope().add(sqlite({ filename: join(dir, "a.db") }), { commit: "autocommit" });
await db.runInScope(() =>
  getSession().executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO t VALUES (1, 0)"),
);
const N = 20_000;
type Intent = "read" | "write" | undefined;
const cases: Record<string, { intent: Intent; work: () => Promise<unknown> }> = {
  "read, no intent": { intent: undefined, work: () => getSession().selectOne("SELECT * FROM t WHERE id = 1") },
  "read, intent write": { intent: "write", work: () => getSession().selectOne("SELECT * FROM t WHERE id = 1") },
  "update+read, no intent": {
    intent: undefined,
    work: async () => {
      await getSession().execute("UPDATE t SET n = n + 1 WHERE id = 1");
      return getSession().selectOne("SELECT * FROM t WHERE id = 1");
    },
  },
  "update+read, intent write": {
    intent: "write",
    work: async () => {
      await getSession().execute("UPDATE t SET n = n + 1 WHERE id = 1");
      return getSession().selectOne("SELECT * FROM t WHERE id = 1");
    },
  },
};
const res: Record<string, number[]> = {};
for (let round = 0; round < 8; round++) {
  for (const [name, c] of Object.entries(cases)) {
    const opts = c.intent === undefined ? {} : { intent: c.intent };
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await db.runInScope(c.work, opts);
    (res[name] ??= []).push(Number(process.hrtime.bigint() - t0) / N);
  }
}
for (const [name, v] of Object.entries(res)) {
  v.sort((a, b) => a - b);
  console.log(
    name.padEnd(28),
    "median ns/scope",
    Math.round(v[Math.floor(v.length / 2)] ?? NaN),
    "min",
    Math.round(v[0] ?? NaN),
  );
}
await db.close();
rmSync(dir, { recursive: true, force: true });
