import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { SQLScope } from "@sqlscope/core";
import { createApp } from "./app.ts";
import { createDatabase, schema } from "./db.ts";

export interface RunningServer {
  url: string;
  db: SQLScope;
  close(): Promise<void>;
}

/**
 * Connects, creates the schema, and serves the API on 127.0.0.1 (port 0 picks a free one).
 *
 * @example
 * const server = await startServer({ port: 3000, connectionString: process.env.DATABASE_URL });
 */
export async function startServer(options: { port: number; connectionString: string }): Promise<RunningServer> {
  const db = createDatabase(options.connectionString);
  try {
    // Schema set-up runs in a scope of its own, committed when the function resolves. It is also the
    // first connection: an unreachable server fails here, at start, not at the first request.
    await db.runInScope(() => db.getSession().executeScript(schema));
  } catch (error) {
    await db.close();
    throw error;
  }
  const server = createServer(createApp(db).callback());
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    db,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}
