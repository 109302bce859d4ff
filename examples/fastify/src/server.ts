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
  const app = await createApp(db);
  const url = await app.listen({ port: options.port, host: "127.0.0.1" });
  return {
    url,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
