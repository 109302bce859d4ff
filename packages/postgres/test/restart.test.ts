import { ConnectionError, getSession, SQLScope } from "@sqlscope/core";
import { postgresTestUrl, startPostgres, type RunningServer } from "@sqlscope/test-support";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgres } from "../src/index.ts";

// Restarting the shared server would break the other files running against it: this file starts its own.
describe.skipIf(postgresTestUrl() === undefined)("@sqlscope/postgres across a server restart", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("survives a restart with idle and borrowed clients, and serves the next scopes on new connections", async () => {
    const db = new SQLScope({ onWarning: () => undefined }).add(postgres({ connectionString: server.url }), {
      commit: "autocommit",
      pool: { max: 2, createBackoffMs: 20 },
    });
    try {
      const ended: Promise<void>[] = [];
      const watch = async () => {
        const raw = await getSession().connection<pg.Client>();
        ended.push(new Promise((resolve) => raw.once("end", () => resolve())));
        return getSession().selectValue<number>("SELECT pg_backend_pid()");
      };
      // Two connections in the pool: one will sit idle, one will be borrowed during the restart.
      const before = await Promise.all([db.runInScope(watch), db.runInScope(watch)]);
      const borrowed = db.runInScope(async () => {
        await getSession().selectValue("SELECT 1");
        await server.restart?.();
        await getSession().selectValue("SELECT 1");
      });
      await expect(borrowed).rejects.toBeInstanceOf(ConnectionError);
      await Promise.all(ended); // both clients saw the shutdown; only the driver's listeners were on them
      const after = await db.runInScope(() => getSession().selectValue<number>("SELECT pg_backend_pid()"));
      expect(before).not.toContain(after);
      expect(db.stats().borrowed).toBe(0);
    } finally {
      await db.close();
    }
  });
});
