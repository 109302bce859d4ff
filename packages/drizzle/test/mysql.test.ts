import { mysql } from "@sqlscope/mysql";
import { SQLScope } from "@sqlscope/core";
import { mysqlTestUrl } from "@sqlscope/test-support";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { freshDatabase, schemaSql, type FreshDatabase } from "@sqlscope/integration/builders";
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
  const orm = drizzleMysql(new SQLScope().add(mysql({ uri: "mysql://localhost/types_only" })), { schema });
  expectTypeOf(orm.select().from(schema.users)).resolves.toEqualTypeOf<
    { id: number; email: string; age: number | null; createdAt: Date | null }[]
  >();
});

// Drizzle's mysql2 driver binds through mysql2's own formatting, which always escapes with backslashes:
// under NO_BACKSLASH_ESCAPES that alone would let a value end its string. The connection formats for
// the server's sql_mode instead, as for sqlscope's own statements.
describe.skipIf(url === undefined)("mysql: values are escaped for the server's sql_mode", () => {
  const INJECTION = "x' OR 1=1 -- ";
  const TRICKY = "a\\b'c\\'d\"e";
  let fresh: FreshDatabase;
  let db: SQLScope;

  beforeAll(async () => {
    fresh = await freshDatabase("mysql", url, "drizzle_escape");
    db = new SQLScope({ onWarning: () => undefined }).add(
      fresh.driver({ sessionVariables: { sql_mode: "NO_BACKSLASH_ESCAPES" } }),
      { commit: "autocommit" },
    );
    await db.runInScope(() => db.getSession().executeScript(schemaSql("mysql")));
    await db.runInScope(() => db.getSession().execute("INSERT INTO users (email) VALUES ('alice@x'), ('bob@x')"));
  });
  afterAll(async () => {
    await db?.close();
    await fresh?.drop();
  });

  it(`with NO_BACKSLASH_ESCAPES, ${JSON.stringify(INJECTION)} matches no row and backslashes round-trip`, async () => {
    const orm = drizzleMysql(db, { schema, mode: "planetscale" });
    await db.runInScope(async () => {
      expect(await db.getSession().selectValue("SELECT @@SESSION.sql_mode")).toBe("NO_BACKSLASH_ESCAPES");
      expect(await orm.select().from(schema.users).where(eq(schema.users.email, INJECTION))).toEqual([]);
      expect(
        await orm
          .select({ email: schema.users.email })
          .from(schema.users)
          .where(inArray(schema.users.email, ["alice@x", INJECTION])),
      ).toEqual([{ email: "alice@x" }]);
      await orm.insert(schema.users).values({ email: TRICKY });
      expect(
        await orm.select({ email: schema.users.email }).from(schema.users).where(eq(schema.users.email, TRICKY)),
      ).toEqual([{ email: TRICKY }]);
    });
  });
});
