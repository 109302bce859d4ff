import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { statements, type Handlers } from "../config.ts";
import { asyncRaw, FreeList } from "./async.ts";

/** B1 on DuckDB: one instance per file, a free list of `max` connections (DuckDB ships no pool). */
export async function duckdbRaw(file: string, max: number): Promise<Handlers> {
  const instance = await DuckDBInstance.create(file);
  const conns: DuckDBConnection[] = [];
  for (let i = 0; i < max; i++) conns.push(await instance.connect());
  const free = new FreeList(conns);
  return asyncRaw(
    {
      async acquire() {
        const conn = await free.take();
        return {
          async query(sql, params) {
            const reader = await conn.runAndReadAll(sql, params.length === 0 ? undefined : (params as never));
            return reader.getRowObjectsJS() as Record<string, unknown>[];
          },
          release: () => free.give(conn),
        };
      },
      async close() {
        for (const conn of conns) conn.closeSync();
        instance.closeSync();
      },
    },
    statements("duckdb"),
    "BEGIN TRANSACTION",
  );
}
