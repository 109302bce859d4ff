import { sqlite } from "@sqlscope/sqlite";
import { getSession, SQLScope } from "@sqlscope/core";
import { sql } from "drizzle-orm";
import { expect, expectTypeOf, it } from "vitest";
import { drizzleSqlite } from "../src/sqlite.ts";
import * as schema from "./schema/sqlite.ts";
import { runDrizzleSuite } from "./suite.ts";

runDrizzleSuite({
  flavor: "sqlite",
  url: undefined,
  tables: schema,
  make: (db) => drizzleSqlite(db, { schema }),
  rows: async (orm, query) => {
    const rows = (await orm.all(query)) as unknown[][];
    return rows.map((row) => ({ n: row[0], id: row[0] }));
  },
});

it("types rows as the schema says", () => {
  const orm = drizzleSqlite(new SQLScope().add(sqlite({ filename: ":memory:" })), { schema });
  expectTypeOf(
    orm
      .select()
      .from(schema.users)
      .where(sql`1`),
  ).resolves.toEqualTypeOf<{ id: number; email: string; age: number | null; createdAt: Date | null }[]>();
  expect(typeof getSession).toBe("function");
});
