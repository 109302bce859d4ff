/**
 * hand: BEGIN + one statement + COMMIT on a free-list connection, written by hand. hand-als: the same
 * inside AsyncLocalStorage.run. L: sqlscope's createScope + run + getSession + statement + finish with
 * default pool options. L-noleak: the same with pool.leakDetectionMs = 0.
 */
export const MICRO_VARIANTS = ["hand", "hand-als", "L", "L-noleak"] as const;
export type MicroVariant = (typeof MICRO_VARIANTS)[number];
