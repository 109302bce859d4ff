/**
 * hand: BEGIN + one statement + COMMIT on a free-list connection, written by hand. hand-als: the same
 * inside AsyncLocalStorage.run. L: sqlscope's createScope + run + getSession + statement + finish with
 * default pool options. L-stacks: the same with pool.leakDetectionMs set explicitly, which makes the pool
 * capture the stack of every checkout (what the default did before it learned to start after a first leak).
 */
export const MICRO_VARIANTS = ["hand", "hand-als", "L", "L-stacks"] as const;
export type MicroVariant = (typeof MICRO_VARIANTS)[number];
