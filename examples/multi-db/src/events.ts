import { getSession } from "@sqlscope/core";

/**
 * Appends an event to the DuckDB "events" database, inside the current request's events session.
 * It commits by the "events" key's policy, independently of the users database.
 *
 * @example
 * await recordEvent("user.created", email);
 */
export async function recordEvent(type: string, subject: string | null = null): Promise<void> {
  await getSession("events").execute("INSERT INTO events (type, subject) VALUES (?, ?)", [type, subject]);
}

/**
 * Committed events per type, as `{ "user.created": 3, ... }`.
 *
 * @example
 * const counts = await eventCounts();
 */
export async function eventCounts(): Promise<Record<string, number>> {
  const rows = await getSession("events").select<{ type: string; n: number }>(
    "SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY type",
  );
  return Object.fromEntries(rows.map((row) => [row.type, row.n]));
}
