import { isSuccess, type Outcome } from "./client.ts";

/**
 * committed: the client got a complete 2xx, so every row must be there.
 * absent: the client got a complete non-2xx, so no row may be there (see commitInDoubt).
 * atomic: the client never learned the outcome (reset, abort, truncated): all rows or none.
 */
export type Expectation = "committed" | "absent" | "atomic";

/**
 * Every request a scenario sends, with the rows it would write and what its response promised.
 * `verify` compares that with what the database really holds.
 *
 * @example
 * ledger.record("t1", 2, await send(`${base}/write?tag=t1&n=2`));
 * expect(ledger.verify(await backend.committedRows())).toEqual([]);
 */
export class Ledger {
  private readonly entries = new Map<string, { rows: number; expect: Expectation; outcome: string }>();

  /**
   * Records a request by the rule of the guarantee: what the client saw decides what must be true.
   * `commitInDoubt`: the network may drop a COMMIT's acknowledgement (faults on the wire), so a 500
   * may stand for work that did commit; sqlscope cannot know and says 500. Only all-or-nothing holds.
   */
  record(tag: string, rows: number, outcome: Outcome, options: { commitInDoubt?: boolean } = {}): Expectation {
    const inDoubt = options.commitInDoubt === true && outcome.kind === "response" && outcome.status === 500;
    const expect: Expectation = isSuccess(outcome)
      ? "committed"
      : outcome.kind === "response" && !inDoubt
        ? "absent"
        : "atomic";
    this.entries.set(tag, {
      rows,
      expect,
      outcome: outcome.kind === "response" ? String(outcome.status) : outcome.error,
    });
    return expect;
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many requests ended with each expectation. */
  tally(): Record<Expectation, number> {
    const t: Record<Expectation, number> = { committed: 0, absent: 0, atomic: 0 };
    for (const e of this.entries.values()) t[e.expect]++;
    return t;
  }

  /**
   * The requests whose client never learned the outcome ("atomic"), split by what the database holds:
   * `committed` are the in-doubt commits (the work is there although the client saw a failure).
   */
  inDoubt(committed: ReadonlyMap<string, number>): { committed: number; absent: number } {
    const split = { committed: 0, absent: 0 };
    for (const [tag, e] of this.entries) {
      if (e.expect === "atomic") split[(committed.get(tag) ?? 0) > 0 ? "committed" : "absent"]++;
    }
    return split;
  }

  /** Every broken promise, as readable lines; empty when the database matches what clients were told. */
  verify(committed: ReadonlyMap<string, number>): string[] {
    const problems: string[] = [];
    for (const [tag, e] of this.entries) {
      const found = committed.get(tag) ?? 0;
      const ok =
        e.expect === "committed"
          ? found === e.rows
          : e.expect === "absent"
            ? found === 0
            : found === 0 || found === e.rows;
      if (!ok)
        problems.push(`${tag}: client saw ${e.outcome} (${e.expect}), database holds ${found} of ${e.rows} rows`);
    }
    for (const [tag, n] of committed) if (!this.entries.has(tag)) problems.push(`${tag}: ${n} rows nobody asked for`);
    return problems;
  }
}
