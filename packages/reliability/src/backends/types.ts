import type { Driver } from "@sqlscope/core/driver";

/**
 * A real database server seen from two sides: the driver that sqlscope uses, and an admin connection
 * outside any pool that inspects and attacks the server sessions (kill, list open transactions).
 */
export interface Backend {
  readonly name: "postgres" | "mysql";
  /** URL of this test's own database (direct, not through a proxy). */
  readonly url: string;
  /** A sqlscope driver for `url` (pass a proxy URL to put the proxy in between). */
  driver(url?: string): Driver;
  /** SQL that returns the server's id of the current session as column `id`. */
  readonly backendIdSql: string;
  /** SQL that keeps the server busy for `seconds`. */
  sleepSql(seconds: number): string;
  /** Ends a server session the way an operator would (pg_terminate_backend, KILL). */
  kill(id: number): Promise<void>;
  /** True while the server still lists the session. */
  alive(id: number): Promise<boolean>;
  /** True while session `id` is running a statement that contains `fragment`. */
  running(id: number, fragment: string): Promise<boolean>;
  /** Server sessions on this database that hold an open transaction (none may be left after a test). */
  openTransactions(): Promise<number>;
  /** Server sessions connected to this database (not counting the admin connection). */
  sessions(): Promise<number>;
  /** The ids of those sessions (to kill one at random). */
  sessionIds(): Promise<number[]>;
  /** Committed rows per tag, as any other client sees them. */
  committedRows(): Promise<Map<string, number>>;
  /** Runs SQL on the admin connection (schema set-up, checks). */
  adminQuery(sql: string): Promise<void>;
  /** Drops the database and closes the admin connection. */
  close(): Promise<void>;
}
