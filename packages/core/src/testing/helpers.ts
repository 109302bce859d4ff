import type { Session } from "../session/session.ts";
import type { ConformanceContext } from "./context.ts";

/** Runs fn in a fresh top-level scope of the suite's SQLScope with the session of `key`. */
export function inScope<T>(ctx: ConformanceContext, key: "m" | "a", fn: (s: Session) => Promise<T>): Promise<T> {
  return ctx.db.runInScope(() => fn(ctx.db.getSession(key)), { isolated: true });
}

/** The names stored in the items table with the given ids, read in a scope of their own (committed data only). */
export async function namesOf(ctx: ConformanceContext, ids: readonly number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return inScope(ctx, "m", async (s) => {
    const marks = ids.map(() => "?").join(", ");
    const rows = await s.select<{ name: string }>(
      `SELECT name FROM ${ctx.tables.items} WHERE id IN (${marks}) ORDER BY id`,
      ids,
    );
    return rows.map((r) => r.name);
  });
}

/** Inserts one item with an id of its own, named `${prefix}-${id}`, and returns the id. */
export async function insertItem(ctx: ConformanceContext, s: Session, prefix: string, qty = 0): Promise<number> {
  const id = ctx.nextId();
  await s.execute(`INSERT INTO ${ctx.tables.items} (id, name, qty) VALUES (?, ?, ?)`, [id, `${prefix}-${id}`, qty]);
  return id;
}

export function tick(ms = 2): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Some drivers return integers as bigint or numeric strings (count(*) on PostgreSQL); compare as numbers. */
export function num(value: unknown): number {
  return Number(value);
}
