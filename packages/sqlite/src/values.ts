/**
 * better-sqlite3 binds only numbers, bigints, strings, buffers and null. Booleans and Dates are common
 * in app code and bind natively on the other drivers, so they are converted here (1/0, ISO-8601 text).
 */
export function toSqliteParams(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (typeof value === "boolean" || value instanceof Date) {
      out ??= params.slice();
      out[i] = typeof value === "boolean" ? (value ? 1 : 0) : value.toISOString();
    }
  }
  return out ?? (params as unknown[]);
}
