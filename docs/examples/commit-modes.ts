// commit-modes.md: a nested unit with transaction(fn), and a transaction by hand in manual mode.
import { getSession } from "@sqlscope/core";

/** Moves `amount` between two accounts as one unit (a savepoint inside an autocommit scope). */
export async function move(from: number, to: number, amount: number): Promise<void> {
  // docs:start transaction
  await getSession().transaction(async (s) => {
    await s.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [amount, from]);
    await s.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", [amount, to]);
  });
  // docs:end
}

/** Records `event` and counts it, both or neither (the key must use commit: "manual"). */
export async function audit(event: string): Promise<void> {
  // docs:start manual
  const s = getSession();
  await s.begin();
  try {
    await s.execute("INSERT INTO audit (event) VALUES (?)", [event]);
    await s.execute("UPDATE counters SET n = n + 1 WHERE name = ?", ["audit"]);
    await s.commit();
  } catch (e) {
    await s.rollback();
    throw e;
  }
  // docs:end
}
