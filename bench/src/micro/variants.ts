/**
 * hand: BEGIN + one statement + COMMIT on a free-list connection, written by hand. hand-als: the same
 * inside AsyncLocalStorage.run. L: sqlscope's createScope + run + getSession + statement + finish with
 * default pool options. L-stacks: the same with pool.leakDetectionMs set explicitly, which makes the pool
 * capture the stack of every checkout (what the default did before it learned to start after a first leak).
 * hand-als-sync / L-sync: the same two with a driver that runs synchronously (better-sqlite3's shape):
 * the hand-written code calls it without awaiting, and sqlscope takes its synchronous fast paths.
 */
export const MICRO_VARIANTS = ["hand", "hand-als", "L", "L-stacks", "hand-als-sync", "L-sync"] as const;
export type MicroVariant = (typeof MICRO_VARIANTS)[number];
