import { describe, expect, it } from "vitest";
import { TransactionError, UnsupportedError } from "../errors.ts";
import type { ConformanceContext } from "./context.ts";
import { inScope, insertItem, namesOf, tick } from "./helpers.ts";

export function transactionChecks(ctx: ConformanceContext): void {
  describe('commit: "manual"', () => {
    it("a statement outside begin() is committed at once (the driver's autocommit)", async () => {
      let id = 0;
      await inScope(ctx, "m", async (s) => {
        id = await insertItem(ctx, s, "auto");
        // Another scope, while this one is still open, already sees the row.
        expect(await namesOf(ctx, [id])).toHaveLength(1);
      });
    });

    it("begin/commit keeps the work; begin/rollback drops it", async () => {
      let kept = 0;
      let dropped = 0;
      await inScope(ctx, "m", async (s) => {
        await s.begin();
        expect(s.inTransaction).toBe(true);
        kept = await insertItem(ctx, s, "kept");
        await s.commit();
        await s.begin();
        dropped = await insertItem(ctx, s, "dropped");
        await s.rollback();
        expect(s.inTransaction).toBe(false);
      });
      expect(await namesOf(ctx, [kept, dropped])).toEqual([`kept-${kept}`]);
    });

    it("a transaction left open at the end of the scope is rolled back and reported", async () => {
      let id = 0;
      const run = inScope(ctx, "m", async (s) => {
        await s.begin();
        id = await insertItem(ctx, s, "open");
      });
      await expect(run).rejects.toBeInstanceOf(TransactionError);
      expect(await namesOf(ctx, [id])).toEqual([]);
    });
  });

  describe("transaction(fn)", () => {
    it("commits when fn resolves and returns its value", async () => {
      let id = 0;
      const value = await inScope(ctx, "m", (s) =>
        s.transaction(async () => {
          id = await insertItem(ctx, s, "txn");
          return "done";
        }),
      );
      expect(value).toBe("done");
      expect(await namesOf(ctx, [id])).toHaveLength(1);
    });

    it("rolls back when fn throws and rethrows the same error", async () => {
      let id = 0;
      const boom = new Error("boom");
      await inScope(ctx, "m", async (s) => {
        await expect(
          s.transaction(async () => {
            id = await insertItem(ctx, s, "txn-fail");
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(s.inTransaction).toBe(false);
      });
      expect(await namesOf(ctx, [id])).toEqual([]);
    });

    it("nested transaction(fn) is a savepoint: its failure undoes only its own work", async () => {
      let outer = 0;
      let inner = 0;
      await inScope(ctx, "m", (s) =>
        s.transaction(async () => {
          outer = await insertItem(ctx, s, "outer");
          const nested = s.transaction(async () => {
            inner = await insertItem(ctx, s, "inner");
            throw new Error("inner fails");
          });
          if (ctx.options.can.savepoints) {
            await expect(nested).rejects.toThrow("inner fails");
            // The outer transaction goes on after the savepoint rolled back.
            await insertItem(ctx, s, "after");
          } else {
            await expect(nested).rejects.toBeInstanceOf(UnsupportedError);
          }
        }),
      );
      expect(await namesOf(ctx, [outer, inner])).toEqual([`outer-${outer}`]);
    });

    it.runIf(ctx.options.can.savepoints)(
      "a nested transaction(fn) that resolves is kept with the outer commit",
      async () => {
        let inner = 0;
        await inScope(ctx, "m", (s) =>
          s.transaction(async () => {
            await s.transaction(async () => {
              inner = await insertItem(ctx, s, "inner-ok");
            });
          }),
        );
        expect(await namesOf(ctx, [inner])).toHaveLength(1);
      },
    );
  });

  describe('commit: "autocommit"', () => {
    it("commits the scope's work when the scope succeeds", async () => {
      let id = 0;
      await inScope(ctx, "a", async (s) => {
        id = await insertItem(ctx, s, "ac");
        expect(s.inTransaction).toBe(true);
        // Uncommitted: another scope does not see it yet.
        expect(await namesOf(ctx, [id])).toEqual([]);
      });
      expect(await namesOf(ctx, [id])).toHaveLength(1);
    });

    it("rolls back everything when the scope throws", async () => {
      let id = 0;
      const boom = new Error("handler failed");
      await expect(
        inScope(ctx, "a", async (s) => {
          id = await insertItem(ctx, s, "ac-fail");
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await namesOf(ctx, [id])).toEqual([]);
    });

    it("begin() is refused: the scope owns the transaction", async () => {
      await inScope(ctx, "a", async (s) => {
        await expect(s.begin()).rejects.toBeInstanceOf(TransactionError);
      });
    });
  });

  describe("concurrent scopes", () => {
    it("each scope runs its own transaction on its own connection", async () => {
      const n = 6;
      const ids: number[] = [];
      const outcome = await Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          inScope(ctx, "a", async (s) => {
            const id = await insertItem(ctx, s, `conc-${i}`);
            ids[i] = id;
            const raw = await s.connection();
            await tick();
            // Still its own transaction after the await: its own row is there, on the same connection.
            expect(await s.selectValue(`SELECT name FROM ${ctx.tables.items} WHERE id = ?`, [id])).toMatch(
              `conc-${i}-`,
            );
            expect(await s.connection()).toBe(raw);
            if (i % 3 === 2) throw new Error(`scope ${i} fails`);
          }),
        ),
      );
      expect(outcome.map((r) => r.status)).toEqual(ids.map((_, i) => (i % 3 === 2 ? "rejected" : "fulfilled")));
      const committed = await namesOf(ctx, ids);
      // Exactly the rows of the scopes that succeeded, none of the failed ones.
      expect(committed.map((name) => Number(name.split("-")[1]))).toEqual(
        ids.map((_, i) => i).filter((i) => i % 3 !== 2),
      );
    });
  });
}
