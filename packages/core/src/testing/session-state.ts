import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQLScope } from "../sqlscope.ts";
import type { ResolvedConformance } from "./options.ts";
import { sessionStateCatalog, type SessionStateCase, type StateMode } from "./session-state-cases.ts";

const KEYS: Readonly<Record<StateMode, "m" | "a">> = { manual: "m", autocommit: "a" };

/**
 * With one connection per pool, whatever a scope sets on its connection (settings, roles, temporary
 * objects, locks, prepared statements) must not be what the next scope on that connection runs with:
 * a tenant or user kept in a setting would otherwise serve the next request as the previous user.
 */
export function sessionStateChecks(options: ResolvedConformance): void {
  const builtIn = sessionStateCatalog(options.name);
  const cases = [...builtIn.cases, ...options.sessionState];
  describe.runIf(cases.length > 0)("session state never crosses to the next scope (pool.max 1)", () => {
    let db: SQLScope | undefined;

    beforeAll(async () => {
      const pool = { ...options.pool, max: 1, min: 0 };
      db = new SQLScope({ onWarning: () => undefined })
        .add(await options.makeDriver(), { key: "m", commit: "manual", pool })
        .add(await options.makeDriver(), { key: "a", commit: "autocommit", pool });
      const setup = db;
      await setup.runInScope(async () => {
        for (const statement of builtIn.setup) await setup.getSession("m").execute(statement);
      });
    });

    afterAll(async () => {
      await db?.close();
    });

    const probe = (key: "m" | "a", test: SessionStateCase): Promise<string> =>
      (db as SQLScope).runInScope(async () => String(await (db as SQLScope).getSession(key).selectValue(test.probe)), {
        isolated: true,
      });

    for (const test of cases) {
      for (const mode of test.modes ?? (["manual", "autocommit"] as const)) {
        const outcomes = mode === "manual" ? (["commit"] as const) : (["commit", "rollback"] as const);
        for (const outcome of outcomes) {
          const title = `${test.name}: ${mode}${mode === "autocommit" ? `, the scope ${outcome === "commit" ? "commits" : "rolls back"}` : ""}`;
          it(title, async () => {
            const active = db as SQLScope;
            const key = KEYS[mode];
            const before = await probe(key, test);
            const failure = new Error("roll the scope back");
            const setting = active.runInScope(
              async () => {
                const s = active.getSession(key);
                for (const statement of test.set) await s.execute(statement);
                // The state really is in effect inside the scope that set it: the check below means something.
                expect(String(await s.selectValue(test.probe)), "the state took effect in its own scope").not.toBe(
                  before,
                );
                if (outcome === "rollback") throw failure;
              },
              { isolated: true },
            );
            if (outcome === "rollback") await expect(setting).rejects.toBe(failure);
            else await setting;
            expect(await probe(key, test), "the next scope on the same pool runs without it").toBe(before);
            expect(active.stats(key).borrowed).toBe(0);
          });
        }
      }
    }
  });
}
