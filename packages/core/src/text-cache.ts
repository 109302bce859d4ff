/**
 * What a driver worked out from one SQL text (placeholders, whether it changes the session), kept
 * per text: the same statements run on every request. Bounded in entries, oldest out first, and texts
 * longer than `maxChars` are not kept (a generated IN list must not pin megabytes).
 *
 * @example
 * const facts = new TextCache<boolean>();
 * const verdict = facts.get(sql) ?? facts.set(sql, readText(sql));
 */
export class TextCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly limit = 1000,
    private readonly maxChars = 16 * 1024,
  ) {}

  get(sql: string): T | undefined {
    return this.entries.get(sql);
  }

  /** Keeps `value` for `sql` (when short enough) and returns it. */
  set(sql: string, value: T): T {
    if (sql.length > this.maxChars) return value;
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(sql, value);
    return value;
  }
}
