// The per-request machinery, in process, no HTTP: one process per variant (so an AsyncLocalStorage
// used by one variant cannot slow the others), timed with process.hrtime.bigint over many iterations.
import { AsyncLocalStorage } from "node:async_hooks";
import { getSession, SQLScope } from "@sqlscope/core";
import { NoopConnection, noopDriver, SyncNoopConnection, syncNoopDriver } from "./noop-driver.ts";
import { MICRO_VARIANTS, type MicroVariant } from "./variants.ts";

const SQL = "SELECT id FROM users WHERE id = ?";
const PARAMS = [1];
const OK = { status: 200 } as const;
const DONE: Promise<void> = Promise.resolve();

function iteration(variant: MicroVariant): () => Promise<void> {
  switch (variant) {
    case "hand": {
      // The same work written by hand: take a connection from a free list, BEGIN, one statement, COMMIT, give it back.
      const free = [new NoopConnection()];
      return async () => {
        const conn = free.pop() ?? new NoopConnection();
        await conn.begin();
        await conn.query(SQL, PARAMS);
        await conn.commit();
        free.push(conn);
      };
    }
    case "hand-als": {
      const storage = new AsyncLocalStorage<object>();
      const free = [new NoopConnection()];
      const work = async () => {
        const conn = free.pop() ?? new NoopConnection();
        await conn.begin();
        await conn.query(SQL, PARAMS);
        await conn.commit();
        free.push(conn);
      };
      return () => storage.run({}, work);
    }
    case "hand-als-sync": {
      // Hand-written code on a synchronous driver awaits nothing: the whole transaction inside the ALS run.
      const storage = new AsyncLocalStorage<object>();
      const free = [new SyncNoopConnection()];
      const work = (): Promise<void> => {
        const conn = free.pop() ?? new SyncNoopConnection();
        conn.beginNow();
        conn.queryNow(SQL, PARAMS);
        conn.commitNow();
        free.push(conn);
        return DONE;
      };
      return () => storage.run({}, work);
    }
    case "L-sync":
    case "L":
    case "L-stacks": {
      const db = new SQLScope().add(variant === "L-sync" ? syncNoopDriver : noopDriver, {
        commit: "autocommit",
        pool: variant === "L-stacks" ? { leakDetectionMs: 60_000 } : {},
      });
      const work = async () => {
        await getSession().execute(SQL, PARAMS);
      };
      return async () => {
        const scope = db.createScope();
        await scope.run(work);
        await scope.finish(OK);
      };
    }
  }
}

async function main(): Promise<void> {
  const variant = process.argv[2] as MicroVariant;
  const iterations = Number(process.argv[3] ?? 200_000);
  const rounds = Number(process.argv[4] ?? 5);
  if (!MICRO_VARIANTS.includes(variant)) throw new Error(`unknown micro variant ${String(variant)}`);
  const run = iteration(variant);
  for (let i = 0; i < iterations; i++) await run(); // warm-up: JIT and pool
  const perIteration: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await run();
    perIteration.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  process.stdout.write(`MICRO_JSON ${JSON.stringify({ variant, iterations, perIterationNs: perIteration })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
