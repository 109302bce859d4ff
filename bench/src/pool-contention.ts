// The pool under contention, in process: 32 request loops share a pool of 10 connections whose every
// statement takes a macrotask (setImmediate, as a network round trip would), so nearly every release
// has a waiter. Prints CPU ns per scope (process.cpuUsage) over 5 rounds: min, median and all.
//
//   cd bench && node --conditions=@sqlscope/source --import tsx src/pool-contention.ts [SCOPES_PER_ROUND]
import { getSession, SQLScope } from "@sqlscope/core";
import { NoopConnection, noopDriver } from "./micro/noop-driver.ts";

class SlowConnection extends NoopConnection {
  override async query(sql: string, params: readonly unknown[]) {
    await new Promise((resolve) => setImmediate(resolve));
    return super.query(sql, params);
  }
}

const LOOPS = 32;
const PER_ROUND = Number(process.argv[2] ?? 40_000);
const db = new SQLScope().add(
  { ...noopDriver, connect: async () => new SlowConnection() },
  {
    commit: "autocommit",
    pool: { max: 10 },
  },
);

async function loop(scopes: number): Promise<void> {
  for (let i = 0; i < scopes; i++) {
    const scope = db.createScope();
    await scope.run(() => getSession().execute("SELECT 1", []));
    await scope.finish({ status: 200 });
  }
}

await Promise.all(Array.from({ length: LOOPS }, () => loop(500)));
const rounds: number[] = [];
for (let r = 0; r < 5; r++) {
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: LOOPS }, () => loop(PER_ROUND / LOOPS)));
  const used = process.cpuUsage(cpu);
  rounds.push(((used.user + used.system) * 1000) / PER_ROUND);
}
rounds.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    minNs: Math.round(rounds[0] ?? 0),
    medianNs: Math.round(rounds[2] ?? 0),
    all: rounds.map(Math.round),
  }),
);
await db.close();
