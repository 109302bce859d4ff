import {
  blobValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  listValue,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from "@duckdb/node-api";
import type { Row } from "@sqlscope/core";

/**
 * JS parameter values as DuckDB takes them: Date as an ISO timestamp string (DuckDB casts it where
 * a TIMESTAMP is expected), bytes as BLOB, arrays as LIST, plain objects as JSON text.
 */
export function toDuckDB(values: readonly unknown[]): DuckDBValue[] {
  return values.map(convert);
}

function convert(value: unknown): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return blobValue(value);
  if (Array.isArray(value)) return listValue(value.map(convert));
  if (typeof value === "object" && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return JSON.stringify(value);
  }
  return value as DuckDBValue;
}

/** Top-level bigint values that fit a double exactly become numbers (the "number" integers mode). */
export function narrowIntegers(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const column in row) {
      const value = row[column];
      if (
        typeof value === "bigint" &&
        value <= BigInt(Number.MAX_SAFE_INTEGER) &&
        value >= BigInt(Number.MIN_SAFE_INTEGER)
      ) {
        row[column] = Number(value);
      }
    }
  }
  return rows;
}

/**
 * DuckDB values as JS, exact where a double is not: DECIMAL becomes its exact decimal text (as pg and
 * mysql2 return NUMERIC/DECIMAL), where the library's own JS conversion rounds it to a double
 * (99999999999999.9999 read back as 100000000000000). Everything else converts as the library does;
 * nested values (lists, structs) come back through this converter too.
 */
export const exactValues: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (type.typeId === DuckDBTypeId.DECIMAL) return value === null ? null : String(value);
  return JSDuckDBValueConverter(value, type, converter);
};
