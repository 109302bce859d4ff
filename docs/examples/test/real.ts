// Real parts the docs tests run the samples on: SQLite files in a temp directory, servers on 127.0.0.1
// (shared with the integration tests through the private test-support package).
import { listen } from "@sqlscope/test-support";
import { expressServer, sqliteDb, tempDir, type RealDb } from "@sqlscope/integration/real-app";

export { expressServer, listen, sqliteDb, tempDir, type RealDb };

/**
 * Samples that open "app.db" relative to the working directory run in a temp directory: vitest's forks
 * pool gives each test file its own process, so changing it here touches no other file's tests.
 */
export function inTempCwd(): string {
  const { dir } = tempDir("sqlscope-docs-");
  process.chdir(dir);
  return dir;
}

/** JSON POST. */
export const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
