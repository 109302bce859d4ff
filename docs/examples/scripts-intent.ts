// scripts.md "Reading, then writing": a job that reads the due invoices, then marks them sent, beside
// other writers of the same SQLite file.
import { getSession, type SQLScope } from "@sqlscope/core";

/** Marks every invoice due before `today` as sent; safe to run while requests write the same file. */
export async function sendDueInvoices(db: SQLScope, today: string): Promise<void> {
  // docs:start intent
  await db.runInScope(
    async () => {
      const due = await getSession().select<{ id: number }>("SELECT id FROM invoices WHERE due < ? AND NOT sent", [
        today,
      ]);
      for (const { id } of due) await getSession().execute("UPDATE invoices SET sent = 1 WHERE id = ?", [id]);
    },
    { intent: "write" },
  );
  // docs:end
}
