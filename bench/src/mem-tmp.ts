import { prepareDatabase } from "./databases.ts";
import { runMemory } from "./memory.ts";
const db = await prepareDatabase("sqlite", "/tmp/bench-mem", 10000);
const r = await runMemory("express", "L", db, 150_000, 3, { connections: 32, rows: 10000, poolMax: 10 }, () => undefined);
console.log(JSON.stringify({ label: r.label, requests: r.requests, rssSlopeKiB: r.rssSlope / 1024, heapSlopeKiB: r.heapSlope / 1024, samples: r.samples.map((s) => [s.requests, +(s.rss / 2 ** 20).toFixed(1), +(s.heapUsed / 2 ** 20).toFixed(2)]) }));
