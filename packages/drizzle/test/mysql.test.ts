import { mysqlTestUrl } from "@sqlscope/test-support";
import { describe, expectTypeOf, it } from "vitest";
import { drizzleMysql } from "../src/mysql.ts";
import * as schema from "./schema/mysql.ts";
import { runDrizzleSuite } from "./suite.ts";

const url = mysqlTestUrl();

describe.skipIf(url === undefined)("mysql", () => {
  runDrizzleSuite({
    flavor: "mysql",
    url,
    tables: schema,
    // MariaDB has no LATERAL joins, which db.query uses in drizzle's "default" mode (so with plain drizzle too).
    make: (db) => drizzleMysql(db, { schema, mode: "planetscale" }),
    // As with drizzle's mysql2 driver, execute() gives mysql2's [rows, fields].
    rows: async (orm, query) => (await orm.execute(query))[0],
  });
});

it("types rows as the schema says", () => {
  const orm = drizzleMysql({ defaultKey: "db", entry: () => undefined } as never, { schema });
  expectTypeOf(orm.select().from(schema.users)).resolves.toEqualTypeOf<{ id: number; email: string; age: number | null; createdAt: Date | null }[]>();
});
