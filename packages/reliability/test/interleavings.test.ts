// Property: however concurrent requests interleave (random awaits, queued acquires on a pool of 2,
// nested transactions that fail or not, any status), every statement runs on its own scope's
// connection and every scope's rows end up exactly as the commit policy says. Real HTTP (node-http
// withScope), a real SQLite file, and PostgreSQL when the run has one.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSession, SQLScope } from "@sqlscope/core";
import { type Driver } from "@sqlscope/core/driver";
import { withScope } from "@sqlscope/node-http";
import { sqlite } from "@sqlscope/sqlite";
import { listen, postgresTestUrl, type StartedServer } from "@sqlscope/test-support";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresBackend } from "../src/backends/postgres.ts";
import type { Backend } from "../src/backends/types.ts";
import { send, statusOf } from "../src/client.ts";

type Leaf = { readonly op: "insert" } | { readonly op: "await"; readonly ms: 0 | 1 | 2 } | { readonly op: "check" };
type Step =
  Leaf | { readonly op: "nested"; readonly steps: readonly Leaf[]; readonly fail: boolean; readonly caught: boolean };
interface Program {
  readonly steps: readonly Step[];
  /** The status the handler answers with, or "throw" (the adapter answers 500). */
  readonly end: 200 | 201 | 204 | 302 | 404 | 409 | 500 | "throw";
}

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.constant({ op: "insert" } as const),
  fc.constantFrom(0, 1, 2).map((ms) => ({ op: "await", ms }) as const),
  fc.constant({ op: "check" } as const),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("nested" as const),
      steps: fc.array(leaf, { maxLength: 4 }),
      fail: fc.boolean(),
      caught: fc.boolean(),
    }),
  },
);
const program: fc.Arbitrary<Program> = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 6 }),
  end: fc.constantFrom<Program["end"]>(200, 201, 204, 302, 404, 409, 500, "throw"),
});

/** The policy under test, written out independently of core's decide(): 2xx and 409 commit, 204 does not. */
const POLICY = { commit: "autocommit", extraCommitStatuses: [409], extraRollbackStatuses: [204] } as const;
function commits(p: Program, failedUncaught: boolean): boolean {
  if (p.end === "throw" || failedUncaught) return false;
  return p.end === 409 || (p.end >= 200 && p.end < 300 && p.end !== 204);
}

class NestedFailure extends Error {}

/** What one request's handler saw, reported to the test through the shared process. */
interface Seen {
  /** Rows of this scope that the policy must keep if it commits (failed savepoints excluded). */
  rows: number;
  failedUncaught: boolean;
  /** A statement saw a different connection or different rows than its own scope's: the bug we hunt. */
  mixups: string[];
  /** Retryable conflicts (SQLite read-to-write upgrade): the request fails, its rows must be absent. */
  conflict: boolean;
  unexpected: string | undefined;
}

interface Target {
  readonly name: string;
  readonly driver: Driver;
  readonly backendIdSql: string | undefined;
  committed(run: number): Promise<Map<number, number>>;
  close(): Promise<void>;
}

function app(db: SQLScope, programs: Map<number, Program>, seen: Map<number, Seen>, backendIdSql: string | undefined) {
  return withScope(db, async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const run = Number(url.searchParams.get("run"));
    const id = Number(url.searchParams.get("id"));
    const p = programs.get(id) as Program;
    const me: Seen = { rows: 0, failedUncaught: false, mixups: [], conflict: false, unexpected: undefined };
    seen.set(id, me);
    const s = getSession();
    let seq = 0;
    let backend: unknown;
    const exec = async (l: Leaf, visible: { n: number }) => {
      if (l.op === "insert") {
        await s.execute("INSERT INTO prop_rows (run, scope, seq) VALUES (?, ?, ?)", [run, id, seq++]);
        visible.n++;
      } else if (l.op === "await") {
        await (l.ms === 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, l.ms)));
      } else {
        const n = Number(
          await s.selectValue("SELECT count(*) AS n FROM prop_rows WHERE run = ? AND scope = ?", [run, id]),
        );
        if (n !== visible.n) me.mixups.push(`scope ${id} saw ${n} of its rows, expected ${visible.n}`);
        if (backendIdSql !== undefined) {
          const b = await s.selectValue(backendIdSql);
          if (backend === undefined) backend = b;
          else if (b !== backend) me.mixups.push(`scope ${id} ran on session ${String(b)} after ${String(backend)}`);
        }
      }
    };
    try {
      const visible = { n: 0 };
      for (const st of p.steps) {
        if (st.op !== "nested") {
          await exec(st, visible);
          continue;
        }
        const before = visible.n;
        try {
          await s.transaction(async () => {
            for (const l of st.steps) await exec(l, visible);
            if (st.fail) throw new NestedFailure("nested failure on purpose");
          });
        } catch (error) {
          if (!(error instanceof NestedFailure)) throw error;
          visible.n = before; // the savepoint undid them
          if (!st.caught) {
            me.failedUncaught = true;
            throw error;
          }
        }
      }
      me.rows = visible.n;
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_SQLSCOPE_SERIALIZATION") me.conflict = true;
      else if (!(error instanceof NestedFailure)) me.unexpected = String(error);
      throw error;
    }
    if (p.end === "throw") throw new Error("handler throws on purpose");
    res.statusCode = p.end;
    if (p.end === 302) res.setHeader("location", "/elsewhere");
    res.end(p.end === 204 ? undefined : "done");
  });
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), "sqlscope-prop-"));
  const filename = join(dir, "prop.db");
  const observer = new Database(filename);
  observer.pragma("journal_mode = WAL");
  observer.exec(
    "CREATE TABLE prop_rows (id INTEGER PRIMARY KEY, run INTEGER NOT NULL, scope INTEGER NOT NULL, seq INTEGER NOT NULL)",
  );
  observer.exec("CREATE INDEX prop_rows_run ON prop_rows (run, scope)");
  const count = observer.prepare("SELECT scope, count(*) AS n FROM prop_rows WHERE run = ? GROUP BY scope");
  return {
    name: "sqlite",
    driver: sqlite({ filename }),
    backendIdSql: undefined,
    committed: async (run) => new Map((count.all(run) as { scope: number; n: number }[]).map((r) => [r.scope, r.n])),
    close: async () => {
      observer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(backend: Backend): Promise<Target> {
  await backend.adminQuery(
    "CREATE TABLE prop_rows (id bigserial PRIMARY KEY, run int NOT NULL, scope int NOT NULL, seq int NOT NULL); CREATE INDEX ON prop_rows (run, scope)",
  );
  const pg = (await import("pg")).default;
  const observer = new pg.Client({ connectionString: backend.url });
  await observer.connect();
  return {
    name: "postgres",
    driver: backend.driver(),
    backendIdSql: backend.backendIdSql,
    committed: async (run) => {
      const r = await observer.query<{ scope: number; n: string }>(
        "SELECT scope, count(*) AS n FROM prop_rows WHERE run = $1 GROUP BY scope",
        [run],
      );
      return new Map(r.rows.map((row) => [row.scope, Number(row.n)]));
    },
    close: async () => {
      await observer.end();
      await backend.close();
    },
  };
}

const pgUrl = postgresTestUrl();
const cases: { name: string; runs: number; make: () => Promise<Target> }[] = [
  { name: "sqlite", runs: 1_000, make: async () => sqliteTarget() },
];
if (pgUrl !== undefined)
  cases.push({
    name: "postgres",
    runs: 500,
    make: async () => postgresTarget(await postgresBackend(pgUrl, "rel_prop")),
  });

for (const c of cases) {
  describe(`interleavings on ${c.name}`, () => {
    let target: Target;
    let db: SQLScope;
    let server: StartedServer;
    const programs = new Map<number, Program>();
    const seen = new Map<number, Seen>();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });

    beforeAll(async () => {
      target = await c.make();
      db = new SQLScope({ onWarning: () => undefined }).add(target.driver, {
        ...POLICY,
        pool: { max: 2, acquireTimeoutMs: 10_000, leakDetectionMs: 0 },
      });
      server = await listen(createServer(app(db, programs, seen, target.backendIdSql)));
    });
    afterAll(async () => {
      agent.destroy();
      await server?.close();
      await db?.close();
      await target?.close();
    });

    it(`${c.runs} random runs of 2-6 concurrent requests keep every scope on its own connection and match the policy`, async () => {
      let run = 0;
      let nextId = 0;
      const tally = { committed: 0, rolledBack: 0, conflicts: 0, nested: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(program, { minLength: 2, maxLength: 6 }), async (progs) => {
          run++;
          const ids = progs.map((p) => {
            const id = ++nextId;
            programs.set(id, p);
            return id;
          });
          const outcomes = await Promise.all(ids.map((id) => send(`${server.url}/?run=${run}&id=${id}`, { agent })));
          // Every response was sent after its scope settled and returned its connection.
          expect(db.stats().borrowed).toBe(0);
          const committed = await target.committed(run);
          ids.forEach((id, i) => {
            const p = programs.get(id) as Program;
            const s = seen.get(id) as Seen;
            programs.delete(id);
            seen.delete(id);
            expect(s.mixups).toEqual([]);
            expect(s.unexpected).toBeUndefined();
            const expected = s.conflict ? 0 : commits(p, s.failedUncaught) ? s.rows : 0;
            const status = s.conflict || s.failedUncaught || p.end === "throw" ? 500 : p.end;
            expect(statusOf(outcomes[i] as never)).toBe(status);
            expect(committed.get(id) ?? 0).toBe(expected);
            if (s.conflict) tally.conflicts++;
            else if (expected > 0) tally.committed++;
            else tally.rolledBack++;
            if (p.steps.some((st) => st.op === "nested")) tally.nested++;
          });
        }),
        { numRuns: c.runs },
      );
      // The runs really exercised both outcomes and nesting (a generator bug would make this vacuous).
      expect(tally.committed).toBeGreaterThan(c.runs / 10);
      expect(tally.rolledBack).toBeGreaterThan(c.runs / 10);
      expect(tally.nested).toBeGreaterThan(c.runs / 10);
      expect(tally.conflicts).toBeLessThan(tally.committed + tally.rolledBack);
    });
  });
}
