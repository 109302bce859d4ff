import type Database from "better-sqlite3";

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
}

const INSERT = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(?:with\b[\s\S]*?\b)?(?:insert|replace)\b/i;

/**
 * Per-connection LRU of prepared statements. Preparing is the expensive part of a small SQLite
 * statement; the bound keeps a stream of distinct SQL texts from growing memory without limit.
 */
export class StatementCache {
  private readonly db: Database.Database;
  private readonly limit: number;
  private readonly entries = new Map<string, CachedStatement>();

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
    const entry: CachedStatement = { stmt, inserts: INSERT.test(sql), reader: stmt.reader, readonly: stmt.readonly };
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(sql, entry);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}
