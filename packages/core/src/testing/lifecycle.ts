import { describe, expect, it } from "vitest";
import { SessionClosedError } from "../errors.ts";
import type { Session } from "../session/session.ts";
import type { ConformanceContext } from "./context.ts";
import { inScope } from "./helpers.ts";

export function lifecycleChecks(ctx: ConformanceContext): void {
  describe("scope lifecycle", () => {
    it("a scope that never queries takes no connection", async () => {
      const before = ctx.db.stats("a");
      await ctx.db.runInScope(async () => {
        const s = ctx.db.getSession("a");
        expect(ctx.db.getSession("a")).toBe(s);
        expect(ctx.db.stats("a").borrowed).toBe(0);
      });
      const after = ctx.db.stats("a");
      expect(after.borrowed).toBe(0);
      expect(after.size).toBe(before.size);
    });

    it("the first statement takes exactly one connection, held until the scope ends", async () => {
      await inScope(ctx, "a", async (s) => {
        expect(ctx.db.stats("a").borrowed).toBe(0);
        await s.selectValue("SELECT 1 AS one");
        expect(ctx.db.stats("a").borrowed).toBe(1);
        await s.selectValue("SELECT 2 AS two");
        expect(ctx.db.stats("a").borrowed).toBe(1);
      });
      expect(ctx.db.stats("a").borrowed).toBe(0);
    });

    it("a session used after its scope ended throws SessionClosedError", async () => {
      let kept: Session | undefined;
      await inScope(ctx, "a", async (s) => {
        kept = s;
        await s.selectValue("SELECT 1 AS one");
      });
      const session = kept as Session;
      expect(session.isClosed).toBe(true);
      await expect(session.selectValue("SELECT 1 AS one")).rejects.toBeInstanceOf(SessionClosedError);
      await expect(session.execute("SELECT 1 AS one")).rejects.toBeInstanceOf(SessionClosedError);
    });
  });
}
