import { getSession, type SQLScope } from "@sqlscope/core";
import type { Express } from "express";

/** The unit of work. It runs in whatever scope calls it, so it can be retried as a whole. */
async function move(from: number, to: number, amount: number): Promise<void> {
  const s = getSession();
  const balance = await s.selectValue<number>("SELECT balance FROM accounts WHERE id = ?", [from]);
  if (balance < amount) throw new Error(`account ${from} has ${balance}, needs ${amount}`);
  await s.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [amount, from]);
  await s.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", [amount, to]);
}

/**
 * Scripts and jobs: under concurrency the database may refuse one of two conflicting transactions
 * (SQLite: busy snapshot; PostgreSQL: 40001); the whole function then runs again in a fresh scope,
 * up to 5 times in all, with jittered backoff.
 */
export function transfer(db: SQLScope, from: number, to: number, amount: number): Promise<void> {
  return db.runInScope(() => move(from, to, amount), { retry: { attempts: 5, backoffMs: 10, maxBackoffMs: 200 } });
}

/**
 * HTTP: adapters never re-run a request, so the handler retries the unit of work in a scope of its
 * own (isolated: it commits on its own, before the response is written).
 */
export function transferRoutes(app: Express, db: SQLScope): void {
  app.post("/transfer/:from/:to/:amount", async (req, res) => {
    const { from, to, amount } = req.params;
    await db.runInScope(() => move(Number(from), Number(to), Number(amount)), { isolated: true, retry: 5 });
    res.status(204).end();
  });
}
