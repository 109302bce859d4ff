import { methodIntent, type SQLScope, type TransactionIntent } from "@sqlscope/core";
import { describe, expect, it } from "vitest";
import { request } from "./client.ts";
import type { SuiteDatabase } from "./database.ts";
import type { Probe } from "./probe.ts";
import type { StartedServer, StartOptions } from "./types.ts";

/** What the write-intent checks need of the running suite. */
export interface IntentSuiteContext {
  readonly probe: Probe;
  file(): SuiteDatabase;
  /** The URL of `path` on the suite's autocommit server. */
  url(path: string, params: Record<string, string>): string;
  startExtra(db: SQLScope, options: StartOptions): Promise<StartedServer>;
  extraDb(): SQLScope;
  newTag(label: string): string;
}

const CONCURRENT = 30;

async function all(target: (i: number) => string, method: "GET" | "POST"): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => request(target(i), { method })));
  return responses.map((r) => r.status);
}

/**
 * SQLite's write intent, over real HTTP: a POST that reads, awaits, then writes takes the write lock
 * at its first statement, so concurrent ones queue and all commit; GETs stay deferred and read side
 * by side; the adapter's `intent` option moves a route from one to the other.
 */
export function writeIntentTests(ctx: IntentSuiteContext): void {
  describe("write intent (SQLite)", () => {
    it(`${CONCURRENT} concurrent POSTs that read, await, then write all commit, none lost`, async () => {
      const tag = ctx.newTag("intent-post");
      const statuses = await all(() => ctx.url("/read-await-write", { tag }), "POST");
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(ctx.file().counterValue(tag)).toBe(CONCURRENT);
    });

    it("GETs stay deferred: two hold read transactions at the same time, and a GET that writes after another commit fails", async () => {
      const a = ctx.newTag("intent-read-a");
      const b = ctx.newTag("intent-read-b");
      const first = request(ctx.url("/hold", { tag: a }), { method: "GET" });
      const second = request(ctx.url("/hold", { tag: b }), { method: "GET" });
      // Neither is released before both arrived: with a write lock at the first statement the second would wait.
      await Promise.all([ctx.probe.reached(a), ctx.probe.reached(b)]);
      ctx.probe.release(a);
      ctx.probe.release(b);
      expect([(await first).status, (await second).status]).toEqual([200, 200]);
      // The read-await-write handler behind a GET, left to the default: the deferred upgrade fails for some.
      const tag = ctx.newTag("intent-get");
      const statuses = await all(() => ctx.url("/visit", { tag }), "GET");
      const failed = statuses.filter((s) => s !== 200);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((s) => s === 500)).toBe(true);
      expect(ctx.file().counterValue(tag)).toBe(CONCURRENT - failed.length);
    });

    it("the adapter's intent option gives one GET route write intent: then all of its concurrent requests commit", async () => {
      const db = ctx.extraDb();
      const server = await ctx.startExtra(db, { intentByPath: { "/visit": "write" } });
      const tag = ctx.newTag("intent-option");
      const statuses = await all(() => `${server.url}/visit?tag=${encodeURIComponent(tag)}`, "GET");
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(ctx.file().counterValue(tag)).toBe(CONCURRENT);
    });
  });
}

/**
 * For harnesses: the intent of a request from StartOptions.intentByPath (its path's entry, else the
 * method's), to wrap in the adapter's own `intent` option; undefined when the suite asked for none.
 *
 * @example
 * const pick = intentPicker(options);
 * app.use(sqlscope(db, pick === undefined ? {} : { intent: (req) => pick(req.path, req.method) }));
 */
export function intentPicker(options: StartOptions): ((path: string, method: string) => TransactionIntent) | undefined {
  const map = options.intentByPath;
  if (map === undefined) return undefined;
  return (path, method) => map[path] ?? methodIntent(method);
}
