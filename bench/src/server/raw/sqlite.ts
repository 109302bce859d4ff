import Database from "better-sqlite3";
import { NODB_REPLY, statements, type Handlers, type Reply } from "../config.ts";

/** Opens a better-sqlite3 handle with the pragmas the sqlscope driver uses, so both do the same work. */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  return db;
}

/**
 * B1 on SQLite, written as a careful user would: one connection, prepared statements, and the whole
 * transaction synchronous inside the handler (no await between BEGIN and COMMIT, so requests can never
 * interleave on the connection and no lock is ever waited for). This is the fastest correct baseline.
 */
export function sqliteRaw(file: string): Handlers {
  const db = openSqlite(file);
  const sql = statements("sqlite");
  const select = db.prepare(sql.select);
  const update = db.prepare(sql.update);
  const beginRead = db.prepare("BEGIN");
  const beginWrite = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");

  function unit(write: boolean, work: () => Reply): Reply {
    (write ? beginWrite : beginRead).run();
    let reply: Reply;
    try {
      reply = work();
    } catch (error) {
      rollback.run();
      throw error;
    }
    (reply.status < 400 ? commit : rollback).run();
    return reply;
  }

  const readRow = (id: number): Reply => {
    const row = select.get(id);
    return row === undefined ? { status: 404, body: { error: "not found" } } : { status: 200, body: row };
  };

  return {
    read: (id) => unit(false, () => readRow(id)),
    update: (id) =>
      unit(true, () => {
        update.run(id);
        return readRow(id);
      }),
    nodb: () => NODB_REPLY,
    error: (id) =>
      unit(true, () => {
        update.run(id);
        return { status: 500, body: { error: "rolled back on purpose" } };
      }),
    close: async () => {
      db.close();
    },
  };
}
