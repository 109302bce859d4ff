import type Database from "better-sqlite3";
import { mayChangeSession } from "./statement-kind.ts";

/** A prepared statement and what we learned about it once, when it was prepared. */
export interface CachedStatement {
  readonly stmt: Database.Statement<unknown[], unknown>;
  /** An INSERT/REPLACE: its lastInsertRowid means something. */
  readonly inserts: boolean;
  // Copies of the statement's native getters, read once: each read crosses into C++ on every statement.
  /** Returns rows (SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  /** Writes nothing. */
  readonly readonly: boolean;
  /** Not plain DML: running it may leave state on the connection (PRAGMA, ATTACH, CREATE TEMP, ...). */
  readonly changesSession: boolean;
}

/** Characters of SQL text kept per connection, besides the count limit: long texts are the costly ones to keep. */
const CACHE_CHARS = 1024 * 1024;

const INSERT = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(?:with\b[\s\S]*?\b)?(?:insert|replace)\b/i;

/**
 * Per-connection LRU of prepared statements. Preparing is the expensive part of a small SQLite
 * statement; the bound keeps a stream of distinct SQL texts from growing memory without limit.
 */
export class StatementCache {
  private readonly db: Database.Database;
  private readonly limit: number;
  private readonly entries = new Map<string, CachedStatement>();
  private chars = 0;

  constructor(db: Database.Database, limit: number) {
    this.db = db;
    this.limit = limit;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The statement for `sql`, prepared on first use. Throws SQLite's error for invalid SQL. */
  get(sql: string): CachedStatement {
    const hit = this.entries.get(sql);
    if (hit !== undefined) {
      // Re-inserting moves the key to the end of the Map's order: the front is the least recently used.
      // Order matters only for eviction, so a cache that is not full skips the two Map operations.
      if (this.entries.size >= this.limit) {
        this.entries.delete(sql);
        this.entries.set(sql, hit);
      }
      return hit;
    }
    const stmt = this.db.prepare(sql);
    const entry: CachedStatement = {
      stmt,
      inserts: INSERT.test(sql),
      reader: stmt.reader,
      readonly: stmt.readonly,
      changesSession: mayChangeSession(sql),
    };
    if (sql.length > CACHE_CHARS / 4) return entry;
    while (this.entries.size >= this.limit || this.chars + sql.length > CACHE_CHARS) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.chars -= oldest.value.length;
    }
    this.entries.set(sql, entry);
    this.chars += sql.length;
    return entry;
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }
}
