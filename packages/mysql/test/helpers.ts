import mysql2 from "mysql2/promise";

/** A database of its own for one test file, so files running in parallel never share tables. */
export interface TestDatabase {
  readonly url: string;
  /** A connection outside any pool, for looking at the server from the side (processlist, KILL). */
  readonly admin: mysql2.Connection;
  drop(): Promise<void>;
}

export async function createTestDatabase(serverUrl: string, prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = await mysql2.createConnection({ uri: serverUrl });
  admin.on("error", () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    admin,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** True while the server still lists the connection. */
export async function isAlive(admin: mysql2.Connection, id: number): Promise<boolean> {
  const [rows] = await admin.query("SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?", [id]);
  return (rows as unknown[]).length > 0;
}

/** Waits until `check` is true, polling; fails loudly instead of hanging. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
