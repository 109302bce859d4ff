// drivers.md, "Values": other mappings each driver offers, per driver (never process-wide).
import pg from "pg";
import { duckdb } from "@sqlscope/duckdb";
import { mysql } from "@sqlscope/mysql";
import { postgres } from "@sqlscope/postgres";
import { sqlite } from "@sqlscope/sqlite";

export function sqliteBigints() {
  // docs:start sqlite
  return sqlite({ filename: "app.db", safeIntegers: true }); // every integer a bigint, count(*) too: 1n
  // docs:end
}

export function duckdbBigints() {
  // docs:start duckdb
  return duckdb({ path: "events.duckdb", integers: "bigint" }); // BIGINT, HUGEINT and count(*) always bigint
  // docs:end
}

export function postgresTypes(connectionString: string) {
  // docs:start postgres
  // Parsers for this driver's connections only: pg.types.setTypeParser would change every pg client.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text)); // int8, count(*): 3n
  types.setTypeParser(pg.types.builtins.DATE, (text) => text); // DATE as its text: "2024-01-02"
  return postgres({ connectionString, types });
  // docs:end
}

export function mysqlOptions(uri: string) {
  // docs:start mysql
  return mysql({
    uri,
    // TIMESTAMP read back as the instant it stores, whatever the server's and the process's zones.
    sessionVariables: { time_zone: "+00:00" },
    driverOptions: {
      timezone: "Z",
      bigNumberStrings: true, // every BIGINT as text, as DECIMAL and sum() already are: "7"
      dateStrings: ["DATE"], // DATE as its text; DATETIME and TIMESTAMP stay Dates
    },
  });
  // docs:end
}
