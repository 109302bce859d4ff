import type { CellResult, GroupResult, RunPlan } from "./measure.ts";
import type { MemoryResult } from "./memory.ts";
import type { MicroResult } from "./micro/run.ts";
import type { ProfileSummary } from "./profile.ts";
import type { DriverName, Route, Variant } from "./server/config.ts";
import { max, median, min } from "./stats.ts";

export interface RunReport {
  readonly mode: "quick" | "full";
  readonly command: string;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly env: {
    node: string;
    cpu: string;
    cores: number;
    pinned: boolean;
    loadBefore: number[];
    loadAfter: number[];
    wrk: string;
  };
  readonly plan: RunPlan;
  readonly coverage: string;
  readonly groups: GroupResult[];
  readonly notMeasured: string[];
  readonly micro: MicroResult[] | undefined;
  readonly memory: MemoryResult[];
  readonly profiles: ProfileSummary[];
}

/** The target each ratio is held to, from the issue. */
export function throughputTarget(driver: DriverName, route: Route, node: string): number {
  if (route === "nodb") return 0.98;
  // Issue 18's targets for Node 24 and later; the earlier ones stand for Node 20 and 22.
  if (nodeMajor(node) >= 24) return driver === "sqlite" ? 0.95 : 0.98;
  return driver === "sqlite" ? 0.97 : driver === "duckdb" ? 0.98 : 0.99;
}

function nodeMajor(node: string): number {
  return Number(/^v?(\d+)/.exec(node)?.[1] ?? 0);
}

const P99_BUDGET_US = 200;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";
const ms = (us: number) => fmt(us / 1000, 2);

function mid(cell: CellResult | undefined, pick: (s: CellResult["samples"][number]) => number): number {
  return cell === undefined || cell.samples.length === 0 ? Number.NaN : median(cell.samples.map(pick));
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(3) : "-";
}

function verdict(value: number, target: number): string {
  if (!Number.isFinite(value)) return "-";
  return value >= target ? "meets" : "**below**";
}

function builderTable(groups: readonly GroupResult[]): string[] {
  const lines = [
    "| framework | driver | route | LK/P | LK/K | LK/L | LK req/s | P req/s | K req/s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const group of groups) {
    if (!group.cells.some((c) => c.variant === "LK")) continue;
    for (const route of [...new Set(group.cells.map((c) => c.route))]) {
      const rps = (v: Variant) =>
        mid(
          group.cells.find((c) => c.route === route && c.variant === v),
          (s) => s.rps,
        );
      lines.push(
        `| ${group.framework} | ${group.driver} | ${route} | ${ratio(rps("LK"), rps("P"))} | ${ratio(rps("LK"), rps("K"))} | ${ratio(rps("LK"), rps("L"))} | ` +
          `${fmt(rps("LK"))} | ${fmt(rps("P"))} | ${fmt(rps("K"))} |`,
      );
    }
  }
  return lines;
}

function ratiosTable(groups: readonly GroupResult[], node: string): string[] {
  const lines = [
    "| framework | driver | route | L/B1a | L/B1 | L/P | L/M | target (L/B1a; no-db: L/B1) | added CPU (L - B1a) ns/req | p99 L - B1a (ms) | p99 within +0.2 ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const group of groups) {
    const routes = [...new Set(group.cells.map((c) => c.route))];
    for (const route of routes) {
      const cell = (v: Variant) => group.cells.find((c) => c.route === route && c.variant === v);
      const rps = (v: Variant) => mid(cell(v), (s) => s.rps);
      const cpu = (v: Variant) => mid(cell(v), (s) => s.cpuNsPerRequest);
      const p99 = (v: Variant) => mid(cell(v), (s) => s.p99Us);
      const target = throughputTarget(group.driver, route, node);
      const held = route === "nodb" ? rps("L") / rps("B1") : rps("L") / rps("B1a");
      const dp99 = p99("L") - p99("B1a");
      lines.push(
        `| ${group.framework} | ${group.driver} | ${route} | ${ratio(rps("L"), rps("B1a"))} | ${ratio(rps("L"), rps("B1"))} | ${ratio(rps("L"), rps("P"))} | ${ratio(rps("L"), rps("M"))} | ` +
          `${target} (${verdict(held, target)}) | ${fmt(cpu("L") - cpu("B1a"))} | ${ms(dp99)} | ${Number.isFinite(dp99) ? (dp99 <= P99_BUDGET_US ? "yes" : "**no**") : "-"} |`,
      );
    }
  }
  return lines;
}

function cellsTable(groups: readonly GroupResult[]): string[] {
  const lines = [
    "| framework | driver | route | variant | median req/s | min-max req/s | p50 ms | p99 ms | CPU ns/req | non-2xx | socket errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const group of groups) {
    for (const cell of group.cells) {
      const rps = cell.samples.map((s) => s.rps);
      const sum = (pick: (s: CellResult["samples"][number]) => number) => cell.samples.reduce((a, s) => a + pick(s), 0);
      lines.push(
        `| ${cell.framework} | ${cell.driver} | ${cell.route} | ${cell.variant} | ${fmt(median(rps))} | ${fmt(min(rps))}-${fmt(max(rps))} | ` +
          `${ms(mid(cell, (s) => s.p50Us))} | ${ms(mid(cell, (s) => s.p99Us))} | ${fmt(mid(cell, (s) => s.cpuNsPerRequest))} | ${fmt(sum((s) => s.statusErrors))} | ${fmt(sum((s) => s.otherErrors))} |`,
      );
    }
    for (const skip of group.skipped)
      lines.push(
        `| ${group.framework} | ${group.driver} | all | ${skip.variant} | not measured: ${skip.reason.replace(/\|/g, "/")} | | | | | | |`,
      );
  }
  return lines;
}

/** The budget for the machinery: 1 us on Node 24 and later (no promise hooks for AsyncLocalStorage), 2 us before. */
export function machineryBudgetNs(node: string): number {
  return nodeMajor(node) >= 24 ? 1000 : 2000;
}

function microSection(micro: readonly MicroResult[], node: string): string[] {
  const ns = (v: string) => micro.find((m) => m.variant === v)?.ns ?? Number.NaN;
  const budget = machineryBudgetNs(node);
  const verdict = (value: number) => (value <= budget ? "meets" : "**above**");
  const machinery = ns("L") - ns("hand-als");
  const machinerySync = ns("L-sync") - ns("hand-als-sync");
  const lines = [
    "| variant | what runs per iteration | ns/iteration (median) |",
    "| --- | --- | --- |",
    `| hand | free-list checkout, BEGIN, one statement, COMMIT, give back (fake driver, every call awaited) | ${fmt(ns("hand"))} |`,
    `| hand-als | the same inside AsyncLocalStorage.run | ${fmt(ns("hand-als"))} |`,
    `| L | db.createScope(), scope.run, getSession(), execute(), scope.finish({status: 200}) (default pool options) | ${fmt(ns("L"))} |`,
    `| L-stacks | L with pool.leakDetectionMs set explicitly (a stack captured per checkout) | ${fmt(ns("L-stacks"))} |`,
    `| hand-als-sync | hand-als on a synchronous fake driver (better-sqlite3's shape): nothing awaited | ${fmt(ns("hand-als-sync"))} |`,
    `| L-sync | L on the synchronous fake driver: sqlscope's fast paths (queryNow, commitNow, finishNow) | ${fmt(ns("L-sync"))} |`,
    "",
    `sqlscope's per-request machinery (target <= ${budget} ns on Node ${node}): with an asynchronous driver (pg's shape) ` +
      `L - hand-als = **${fmt(machinery)} ns** (${verdict(machinery)}); with a synchronous driver (SQLite's shape) ` +
      `L-sync - hand-als-sync = **${fmt(machinerySync)} ns** (${verdict(machinerySync)}). L - hand = ${fmt(ns("L") - ns("hand"))} ns; ` +
      `a stack captured per checkout costs L-stacks - L = ${fmt(ns("L-stacks") - ns("L"))} ns.`,
  ];
  return lines;
}

function memorySection(memory: readonly MemoryResult[]): string[] {
  const mib = (b: number) => fmt(b / 2 ** 20, 1);
  const lines = [
    "| server | requests | RSS first -> last (MiB) | heap first -> last (MiB) | RSS slope (KiB / 100k req) | heap slope (KiB / 100k req) |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const m of memory) {
    const first = m.samples[1] ?? m.samples[0];
    const last = m.samples.at(-1);
    lines.push(
      `| ${m.label} | ${fmt(m.requests)} | ${mib(first?.rss ?? NaN)} -> ${mib(last?.rss ?? NaN)} | ${mib(first?.heapUsed ?? NaN)} -> ${mib(last?.heapUsed ?? NaN)} | ${fmt(m.rssSlope / 1024, 1)} | ${fmt(m.heapSlope / 1024, 1)} |`,
    );
  }
  lines.push(
    "",
    "Heap is sampled after a forced GC between load chunks; the slope is fitted over the samples after the first quarter (warm-up).",
  );
  return lines;
}

function profileSection(profiles: readonly ProfileSummary[]): string[] {
  const lines: string[] = [];
  const measured = profiles.filter((p) => p.requests > 0);
  if (measured.length > 0) {
    lines.push(
      "CPU per request while profiled (busy samples / requests served in the window). sqlscope's own code is the self time of its packages, the driver package's calls into better-sqlite3, pg or mysql2 included. It comes from one profile, not from the difference of two runs, so a noisy host moves it far less than L - B1a.",
      "",
      "| profile | requests | busy CPU us/req | sqlscope's own us/req | core | driver | adapter |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const p of measured) {
      const l = p.label.endsWith("/L");
      // Packages by role: the core, the driver package of the profiled database, the framework adapter(s).
      const share = (test: (area: string) => boolean) =>
        p.byArea.filter((a) => test(a.where)).reduce((sum, a) => sum + a.share, 0);
      const ownShare = share((a) => a.startsWith("@sqlscope/"));
      const part = (test: (area: string) => boolean) =>
        l && ownShare > 0 ? fmt((share(test) / ownShare) * p.sqlscopeUsPerRequest, 1) : "-";
      const own = l ? fmt(p.sqlscopeUsPerRequest, 1) : "-";
      const driver = `@sqlscope/${p.label.split("/")[1] ?? ""}`;
      lines.push(
        `| ${p.label} | ${p.requests.toLocaleString("en-US")} | ${fmt(p.busyUsPerRequest, 1)} | ${own} | ${part((a) => a === "@sqlscope/core")} | ${part((a) => a === driver)} | ${part((a) => a.startsWith("@sqlscope/") && a !== "@sqlscope/core" && a !== driver)} |`,
      );
    }
    lines.push("");
  }
  for (const p of profiles.filter((q) => !q.label.endsWith("/B1a"))) {
    lines.push(`**${p.label}** (self time while loaded, share of busy samples)`, "");
    lines.push("| area | share |", "| --- | --- |");
    for (const a of p.byArea.slice(0, 10)) lines.push(`| ${a.where} | ${fmt(a.share * 100, 1)}% |`);
    lines.push("", "sqlscope's own functions:", "", "| function | share |", "| --- | --- |");
    for (const h of p.sqlscopeTop.slice(0, 8))
      lines.push(`| ${h.where.replace(/\|/g, "/")} | ${fmt(h.share * 100, 1)}% |`);
    lines.push("");
  }
  return lines;
}

/** The Markdown of bench/results/latest.md (or NAME.md with --out=NAME; `name` names its chart). */
export function markdown(report: RunReport, name = "latest"): string {
  const { env, plan } = report;
  const loaded = Math.max(...env.loadBefore.slice(0, 1), ...env.loadAfter.slice(0, 1)) > 1.5;
  const out = [
    `# sqlscope benchmark: ${report.mode} run`,
    "",
    `Written by \`${report.command}\` on ${report.startedAt.toISOString()} in ${fmt(report.seconds)} s. Chart: [${name}.svg](${name}.svg).`,
    "",
    `- Node ${env.node}, ${env.cpu}, ${env.cores} cores; server ${env.pinned ? "pinned to core 0, load generator to core 1 (taskset)" : "and load generator NOT pinned (no taskset or one core)"}.`,
    `- Load: ${env.wrk}, 1 thread, ${plan.connections} keep-alive connections, no pipelining; random ids over ${fmt(plan.rows)} rows; pool size ${plan.poolMax} for every variant.`,
    `- Each cell: ${plan.reps} repetitions of ${plan.measureSeconds} s after a ${plan.warmSeconds} s warm-up per server over all routes; variants interleaved, order rotating per repetition.`,
    `- Load average (1 min) before/after: ${env.loadBefore[0]?.toFixed(2)} / ${env.loadAfter[0]?.toFixed(2)}.` +
      (loaded
        ? " **The machine was shared with other work during this run: absolute numbers are low and noisy; compare ratios, and treat differences of a few percent as noise.**"
        : ""),
    `- Coverage: ${report.coverage}`,
    ...(plan.lPool === undefined
      ? []
      : [`- L ran with extra pool options ${JSON.stringify(plan.lPool)} (not the defaults).`]),
    ...report.notMeasured.map((n) => `- Not measured: ${n}`),
    "",
    "Variants: **B1** hand-written per-request transaction on the raw driver; **B1a** B1 inside a bare `AsyncLocalStorage.run`; " +
      "**L** sqlscope (adapter middleware + `getSession()`, commit: autocommit); **P** Kysely 0.28 with a per-request transaction kept in AsyncLocalStorage; " +
      "**LK** the same Kysely routes on sqlscope (`@sqlscope/kysely`, L's middleware); **K** Kysely alone on its own pool, every statement in autocommit (no request transaction); " +
      "**M** MikroORM 6 with RequestContext and a per-request transaction (PostgreSQL and MySQL). " +
      "See [docs/performance.md](../../docs/performance.md) for what each ratio means.",
    "",
    "## Ratios against the targets",
    "",
    ...ratiosTable(report.groups, report.env.node),
    "",
    "## Kysely on sqlscope",
    "",
    "LK/P: Kysely on sqlscope against Kysely with a hand-written per-request transaction. LK/K: against Kysely alone, with no request transaction at all (LK does a BEGIN and COMMIT per request that K does not).",
    "",
    ...builderTable(report.groups),
    "",
    "## Every cell",
    "",
    ...cellsTable(report.groups),
    "",
    "The error route answers 500 on purpose (its non-2xx count is every request); any other non-2xx or socket error is a fault.",
    "",
  ];
  if (report.micro !== undefined)
    out.push(
      "## Per-request machinery (in process, fake driver, no HTTP)",
      "",
      ...microSection(report.micro, report.env.node),
      "",
    );
  if (report.memory.length > 0) out.push("## Memory", "", ...memorySection(report.memory), "");
  if (report.profiles.length > 0)
    out.push("## Where L spends its time (V8 CPU profile of the server)", "", ...profileSection(report.profiles));
  return `${out.join("\n")}\n`;
}

export function allCells(groups: readonly GroupResult[]): CellResult[] {
  return groups.flatMap((g) => g.cells);
}
