import { ParameterError } from "@sqlscope/core";

/**
 * better-sqlite3 binds only numbers, bigints, strings, buffers and null. Booleans and Dates are common
 * in app code and bind natively on the other drivers, so they are converted here (1/0, ISO-8601 text).
 * Plain objects and arrays would otherwise be read by better-sqlite3 as named-parameter bags and fail
 * with a misleading "too few parameter values": they get a ParameterError that names the position.
 */
export function toSqliteParams(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (typeof value === "boolean" || value instanceof Date) {
      out ??= params.slice();
      out[i] = typeof value === "boolean" ? (value ? 1 : 0) : value.toISOString();
    } else if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) {
      throw new ParameterError(
        `Parameter ${i + 1} is ${Array.isArray(value) ? "an array" : "an object"}, which SQLite cannot store. ` +
          "Pass JSON.stringify(value) for a JSON column, or one parameter per value for IN lists.",
      );
    }
  }
  return out ?? (params as unknown[]);
}
