import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { createApp } from "./app.ts";
import { createDatabase, schema } from "./db.ts";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Opens the database, creates the schema, and serves the API on 127.0.0.1 (port 0 picks a free one). */
export async function startServer(options: { port: number; filename: string }): Promise<RunningServer> {
  const db = createDatabase(options.filename);
  // Schema set-up runs in a scope of its own: committed when the function resolves.
  await db.runInScope(() => db.getSession().executeScript(schema));
  const server = createAdaptorServer({ fetch: createApp(db).fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}
