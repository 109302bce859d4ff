import type { Server } from "node:http";
import { getReadSession, getSession, SQLScope, type CloseReport } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";
import type { Express } from "express";

// docs:start replica
/** The primary for writes, its streaming replica for reads. */
export function registry(primaryUrl: string, replicaUrl: string): SQLScope {
  return new SQLScope()
    .add(postgres({ connectionString: primaryUrl }), { key: "db", commit: "autocommit" })
    .add(postgres({ connectionString: replicaUrl, connectTimeoutMs: 1_000 }), {
      key: "replica",
      replicaOf: "db", // read-only (BEGIN READ ONLY); getReadSession() reads here
      pool: { acquireTimeoutMs: 1_000 }, // a replica that just went down costs a read 1 s at most
    });
}
// docs:end

// docs:start routes
export function postRoutes(app: Express): void {
  app.get("/posts", async (_req, res) => {
    // The replica (or the primary while the replica is down).
    res.json(await getReadSession().select("SELECT id, title FROM posts ORDER BY id DESC LIMIT 20"));
  });
  app.post("/posts", async (req, res) => {
    const title = String(req.query["title"]);
    const { rows } = await getSession().execute<{ id: number }>("INSERT INTO posts (title) VALUES (?) RETURNING id", [
      title,
    ]);
    // This scope used the primary, so its reads stay there: it sees its own row whatever the replica's lag.
    res.status(201).json(await getReadSession().selectOne("SELECT id, title FROM posts WHERE id = ?", [rows[0]?.id]));
  });
}
// docs:end

// docs:start pgbouncer
/** PostgreSQL through PgBouncer with pool_mode = transaction. */
export function throughPgBouncer(pgbouncerUrl: string): SQLScope {
  return new SQLScope().add(
    postgres({
      connectionString: pgbouncerUrl,
      pooler: "transaction", // session state refused up front; timeouts per transaction
      statementTimeoutMs: 5_000, // sent as SET LOCAL with each BEGIN, not at connect
    }),
    { key: "db", commit: "autocommit" },
  );
}
// docs:end

// docs:start shutdown
/** A deploy sends SIGTERM: finish what is in flight, then exit. */
export function closeOnSigterm(server: Server, db: SQLScope, timeoutMs = 20_000): void {
  process.once("SIGTERM", () => {
    void shutdown(server, db, timeoutMs).then(() => process.exit(0));
  });
}

export async function shutdown(server: Server, db: SQLScope, timeoutMs: number): Promise<CloseReport> {
  server.close(); // 1. no new connections (Node also closes idle keep-alive ones)
  const report = await db.close({ timeoutMs }); // 2. in-flight scopes finish; new ones get a 503; the rest roll back
  server.closeAllConnections(); // 3. whatever is still open after the deadline
  console.log("sqlscope closed", report); // { inFlight, finished, abandoned, destroyed, refused, durationMs }
  return report;
}
// docs:end
