import mysql from "mysql2/promise";
import { statements, type Handlers } from "../config.ts";
import { asyncRaw } from "./async.ts";

/** B1 on MySQL/MariaDB: mysql2's promise pool. */
export function mysqlRaw(url: string, max: number): Handlers {
  const pool = mysql.createPool({ uri: url, connectionLimit: max });
  return asyncRaw(
    {
      async acquire() {
        const conn = await pool.getConnection();
        return {
          async query(sql, params) {
            // query() with values (client-side escaping, text protocol), as the sqlscope driver and Kysely do.
            const [rows] = params.length === 0 ? await conn.query(sql) : await conn.query(sql, [...params]);
            return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
          },
          release: (broken) => (broken ? conn.destroy() : conn.release()),
        };
      },
      close: () => pool.end(),
    },
    statements("mysql"),
  );
}
