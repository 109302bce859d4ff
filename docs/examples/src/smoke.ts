// app-factory.md: a test builds the same app on a database of its own.
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { SQLScope, getSession } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { createApp } from "./app.ts";
import { schema } from "./db.ts";

/** Builds the app on `tmpFile`, creates a user over HTTP and returns the statuses and the rows left. */
export async function smoke(tmpFile: string): Promise<{ statuses: number[]; rows: unknown[] }> {
  // docs:start test
  const db = new SQLScope().add(sqlite({ filename: tmpFile }), { commit: "autocommit" });
  await db.runInScope(() => getSession().execute(schema));
  const server = createApp(db).listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (email: string) =>
    fetch(`${url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
  const statuses = [(await post("a@x")).status, (await post("a@x")).status];
  const rows = (await fetch(`${url}/users`).then((r) => r.json())) as unknown[];
  server.close();
  await db.close();
  // docs:end
  return { statuses, rows };
}
