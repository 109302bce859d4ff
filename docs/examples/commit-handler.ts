// commit-modes.md: a handler that reads, awaits, then writes: from its first statement to its
// response, one transaction.
import { scrypt, timingSafeEqual } from "node:crypto";
import { Router } from "express";
import { getSession } from "@sqlscope/core";

/** The PIN's scrypt hash (hex) with the account's salt, compared in constant time. */
function pinMatches(pin: string, salt: string, hash: string): Promise<boolean> {
  const expected = Buffer.from(hash, "hex");
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, expected.length, { N: 1024 }, (error, key) =>
      error === null ? resolve(timingSafeEqual(key, expected)) : reject(error),
    ),
  );
}

export const accounts = Router();

// docs:start read-then-write
accounts.post("/:id/withdraw", async (req, res) => {
  const { amount, pin } = req.body as { amount: number; pin: string };
  const s = getSession();
  // The transaction begins at this first statement (no such account: NotFoundError, a 404 with sqlscopeErrors).
  const account = await s.selectOne<{ salt: string; pin_hash: string }>(
    "SELECT salt, pin_hash FROM accounts WHERE id = ?",
    [req.params.id],
  );
  // Still inside it: the request's transaction stays open while the hash runs.
  if (!(await pinMatches(pin, account.salt, account.pin_hash))) {
    res.status(403).end(); // rolls back
    return;
  }
  // The condition in the UPDATE, not a balance read earlier: two withdrawals cannot both spend it.
  const { rowsAffected } = await s.execute("UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ?", [
    amount,
    req.params.id,
    amount,
  ]);
  res.status(rowsAffected === 1 ? 204 : 409).end(); // 204: committed before it leaves
});
// docs:end
