import { SQLScope } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";
import { postgresTestUrl } from "@sqlscope/test-support";
import { describe, expectTypeOf, it } from "vitest";
import { drizzlePostgres } from "../src/postgres.ts";
import * as schema from "./schema/postgres.ts";
import { runDrizzleSuite } from "./suite.ts";

const url = postgresTestUrl();

describe.skipIf(url === undefined)("postgres", () => {
  runDrizzleSuite({
    flavor: "postgres",
    url,
    tables: schema,
    make: (db) => drizzlePostgres(db, { schema }),
    // As with drizzle's node-postgres driver, execute() gives pg's own QueryResult.
    rows: async (orm, query) => (await orm.execute(query)).rows,
  });
});

it("types rows as the schema says, and execute() as node-postgres does", () => {
  const orm = drizzlePostgres(new SQLScope().add(postgres({ connectionString: "postgres://localhost/types_only" })), {
    schema,
  });
  expectTypeOf(orm.select().from(schema.users)).resolves.toEqualTypeOf<
    { id: number; email: string; age: number | null; createdAt: Date | null }[]
  >();
  expectTypeOf(orm.execute("SELECT 1")).resolves.toHaveProperty("rowCount");
});
