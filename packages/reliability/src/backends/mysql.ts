import { mysql } from "@sqlscope/mysql";
import mysql2 from "mysql2/promise";
import type { Backend } from "./types.ts";

const SCHEMA = [
  "CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY, tag varchar(200) NOT NULL, seq int NOT NULL DEFAULT 0, KEY items_tag (tag)) ENGINE=InnoDB",
  "CREATE TABLE parents (id int PRIMARY KEY) ENGINE=InnoDB",
  "CREATE TABLE blobs (id bigint AUTO_INCREMENT PRIMARY KEY, body LONGTEXT NOT NULL) ENGINE=InnoDB",
];

/**
 * A database of its own on the MariaDB/MySQL test server, with the scenario schema (no deferred
 * constraints: MySQL has none, so commit failures are tested on PostgreSQL only).
 *
 * @example
 * const backend = await mysqlBackend(mysqlTestUrl()!, "faults");
 */
export async function mysqlBackend(serverUrl: string, prefix: string): Promise<Backend> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = await mysql2.createConnection({ uri: serverUrl });
  admin.on("error", () => undefined);
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  for (const statement of SCHEMA)
    await admin.query(`${statement.replace(/^CREATE TABLE /, `CREATE TABLE \`${name}\`.`)}`);
  const adminId = admin.threadId;

  const scalar = async (sql: string, params: unknown[] = []): Promise<number> => {
    const [rows] = await admin.query(sql, params);
    const first = (rows as Record<string, unknown>[])[0];
    return Number(first?.["n"] ?? 0);
  };
  return {
    name: "mysql",
    url: dbUrl,
    driver: (target = dbUrl) => mysql({ uri: target, connectTimeoutMs: 5_000 }),
    backendIdSql: "SELECT CONNECTION_ID() AS id",
    sleepSql: (seconds) => `SELECT SLEEP(${seconds})`,
    async kill(id) {
      await admin.query(`KILL ${Number(id)}`);
    },
    async alive(id) {
      return (await scalar("SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?", [id])) > 0;
    },
    async running(id, fragment) {
      const n = await scalar(
        "SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND = 'Query' AND INSTR(INFO, ?) > 0",
        [id, fragment],
      );
      return n > 0;
    },
    openTransactions: () =>
      scalar(
        "SELECT count(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = ? AND p.ID <> ?",
        [name, adminId],
      ),
    sessions: () =>
      scalar("SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> ?", [name, adminId]),
    async sessionIds() {
      const [rows] = await admin.query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> ?", [
        name,
        adminId,
      ]);
      return (rows as { id: number }[]).map((r) => Number(r.id));
    },
    async committedRows() {
      // A fresh read view: the admin connection's autocommit SELECT sees every committed row.
      const [rows] = await admin.query(`SELECT tag, count(*) AS n FROM \`${name}\`.items GROUP BY tag`);
      return new Map((rows as { tag: string; n: number }[]).map((r) => [r.tag, Number(r.n)]));
    },
    async adminQuery(sql) {
      await admin.query(`USE \`${name}\``);
      await admin.query(sql);
    },
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}
