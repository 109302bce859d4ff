import pg from "pg";
import { statements, type Handlers } from "../config.ts";
import { asyncRaw } from "./async.ts";

/** B1 on PostgreSQL: pg.Pool with `await pool.connect()` (the promise form keeps the request's context). */
export function postgresRaw(url: string, max: number): Handlers {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (server restart) must not crash the server process.
  pool.on("error", () => undefined);
  return asyncRaw(
    {
      async acquire() {
        const client = await pool.connect();
        return {
          query: async (sql, params) =>
            (await client.query(sql, params.length === 0 ? undefined : [...params])).rows as Record<string, unknown>[],
          release: (broken) => client.release(broken ? true : undefined),
        };
      },
      close: () => pool.end(),
    },
    statements("postgres"),
  );
}
