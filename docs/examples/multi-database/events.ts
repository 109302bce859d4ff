// The "events" key (DuckDB): what happened, for the dashboard.
import { getSession } from "@sqlscope/core";

/** Appends an event in the scope's "events" session. Example: `await recordEvent("user.created", email)`. */
export async function recordEvent(type: string, subject: string): Promise<void> {
  await getSession("events").execute("INSERT INTO events (type, subject) VALUES (?, ?)", [type, subject]);
}
