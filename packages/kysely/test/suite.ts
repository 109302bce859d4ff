import { getSession, SQLScope, type CommitMode } from "@sqlscope/core";
import { Kysely, sql, type Generated } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sqlscopeDialect } from "../src/index.ts";
import {
  builderHttpTests,
  freshDatabase,
  schemaSql,
  type BuilderRoutes,
  type Flavor,
  type Framework,
  type FreshDatabase,
} from "@sqlscope/integration/builders";

export interface Database {
  users: { id: Generated<number>; email: string; age: number | null; created_at: Date | number | null };
  posts: { id: Generated<number>; user_id: number; title: string };
  children: { id: number; parent_id: number };
}

/**
 * The contract of @sqlscope/kysely on one real database: every query joins the scope's transaction,
 * db.transaction() is a savepoint, results are shaped like Kysely's own drivers', and through real
 * HTTP a 2xx is committed before the client sees it while a 4xx, a throw or a failed commit is not.
 */
export function runKyselySuite(flavor: Flavor, url: string | undefined): void {
  describe(`@sqlscope/kysely on ${flavor}`, () => {
    let fresh: FreshDatabase;
    let db: SQLScope;
    let kysely: Kysely<Database>;
    const opened: SQLScope[] = [];

    function open(commit: CommitMode): { db: SQLScope; kysely: Kysely<Database> } {
      const scope = new SQLScope({ onWarning: () => undefined, finishTimeoutMs: 2_000 }).add(fresh.driver(), {
        commit,
        pool: { max: 4 },
      });
      opened.push(scope);
      return { db: scope, kysely: new Kysely<Database>({ dialect: sqlscopeDialect(scope) }) };
    }

    const emails = async (): Promise<string[]> =>
      (await fresh.peek("SELECT email FROM users ORDER BY email")).map((r) => String(r.email));

    beforeAll(async () => {
      fresh = await freshDatabase(flavor, url, "kysely");
      ({ db, kysely } = open("autocommit"));
      await db.runInScope(() => getSession().executeScript(schemaSql(flavor)));
    });

    beforeEach(async () => {
      await db.runInScope(async () => {
        for (const table of ["children", "posts", "users"] as const) await kysely.deleteFrom(table).execute();
      });
    });

    afterAll(async () => {
      for (const scope of opened) await scope.close();
      await fresh?.drop();
    });

    it("runs every query in the scope's transaction: invisible outside until the scope commits", async () => {
      await db.runInScope(async () => {
        await kysely.insertInto("users").values({ email: "a@x" }).execute();
        expect(await emails()).toEqual([]);
        // The builder and the session share the request's connection.
        expect(Number(await getSession().selectValue("SELECT count(*) FROM users"))).toBe(1);
      });
      expect(await emails()).toEqual(["a@x"]);
    });

    it("rolls back everything the builder did when the scope fails", async () => {
      await expect(
        db.runInScope(async () => {
          await kysely.insertInto("users").values({ email: "a@x" }).execute();
          await kysely.updateTable("users").set({ age: 3 }).execute();
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await emails()).toEqual([]);
    });

    it("makes db.transaction() a savepoint: a failed one undoes only its own work", async () => {
      await db.runInScope(async () => {
        await kysely.insertInto("users").values({ email: "outer@x" }).execute();
        await expect(
          kysely.transaction().execute(async (trx) => {
            await trx.insertInto("users").values({ email: "inner@x" }).execute();
            throw new Error("inner failed");
          }),
        ).rejects.toThrow("inner failed");
        await kysely.transaction().execute((trx) => trx.insertInto("users").values({ email: "kept@x" }).execute());
      });
      expect(await emails()).toEqual(["kept@x", "outer@x"]);
    });

    it("commits a db.transaction() only with the scope: it is no COMMIT of its own", async () => {
      await expect(
        db.runInScope(async () => {
          await kysely.transaction().execute((trx) => trx.insertInto("users").values({ email: "inner@x" }).execute());
          expect(await emails()).toEqual([]);
          throw new Error("scope failed");
        }),
      ).rejects.toThrow("scope failed");
      expect(await emails()).toEqual([]);
    });

    it("runs controlled transactions and their named savepoints", async () => {
      await db.runInScope(async () => {
        const trx = await kysely.startTransaction().execute();
        await trx.insertInto("users").values({ email: "a@x" }).execute();
        const sp = await trx.savepoint("s1").execute();
        await sp.insertInto("users").values({ email: "undone@x" }).execute();
        const back = await sp.rollbackToSavepoint("s1").execute();
        await back.insertInto("users").values({ email: "b@x" }).execute();
        const released = await back.releaseSavepoint("s1").execute();
        await released.commit().execute();
      });
      expect(await emails()).toEqual(["a@x", "b@x"]);
    });

    it("shapes results as Kysely's own drivers do", async () => {
      await db.runInScope(async () => {
        const inserted = await kysely.insertInto("users").values({ email: "a@x", age: 30 }).executeTakeFirstOrThrow();
        expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
        if (flavor === "postgres") expect(inserted.insertId).toBeUndefined();
        else expect(typeof inserted.insertId).toBe("bigint");
        const { id } = await kysely
          .selectFrom("users")
          .select("id")
          .where("email", "=", "a@x")
          .executeTakeFirstOrThrow();
        await kysely
          .insertInto("posts")
          .values([
            { user_id: id, title: "one" },
            { user_id: id, title: "two" },
          ])
          .execute();
        const joined = await kysely
          .selectFrom("users")
          .innerJoin("posts", "posts.user_id", "users.id")
          .select(["users.email", "posts.title", "users.age"])
          .orderBy("posts.title")
          .execute();
        expect(joined).toEqual([
          { email: "a@x", title: "one", age: 30 },
          { email: "a@x", title: "two", age: 30 },
        ]);
        const updated = await kysely
          .updateTable("posts")
          .set({ title: "three" })
          .where("title", "=", "two")
          .executeTakeFirstOrThrow();
        expect(updated.numUpdatedRows).toBe(1n);
        const deleted = await kysely.deleteFrom("posts").executeTakeFirstOrThrow();
        expect(deleted.numDeletedRows).toBe(2n);
        if (flavor !== "mysql") {
          const row = await kysely
            .insertInto("users")
            .values({ email: "b@x" })
            .returning(["id", "email"])
            .executeTakeFirstOrThrow();
          expect(row).toEqual({ id: expect.any(Number), email: "b@x" });
        }
        const raw = await sql<{ n: number }>`SELECT ${42} AS n`.execute(kysely);
        expect(Number(raw.rows[0]?.n)).toBe(42);
      });
    });

    it.runIf(flavor === "postgres")(
      "sends Kysely's SQL untranslated: a JSON ? operator beside $1 parameters",
      async () => {
        await db.runInScope(async () => {
          const doc = sql<unknown>`${JSON.stringify({ tags: ["a"] })}::jsonb`;
          const row = await kysely.selectNoFrom((eb) => eb(doc, "?", "tags").as("has")).executeTakeFirstOrThrow();
          expect(row).toEqual({ has: true });
        });
      },
    );

    it("streams rows through the session", async () => {
      await db.runInScope(async () => {
        await kysely
          .insertInto("users")
          .values([{ email: "a@x" }, { email: "b@x" }, { email: "c@x" }])
          .execute();
        const seen: string[] = [];
        for await (const row of kysely.selectFrom("users").select("email").orderBy("email").stream(2))
          seen.push(row.email);
        expect(seen).toEqual(["a@x", "b@x", "c@x"]);
      });
    });

    it("fails outside a scope with NoScopeError naming the fix", async () => {
      const failure = kysely.selectFrom("users").selectAll().execute();
      await expect(failure).rejects.toMatchObject({ code: "ERR_SQLSCOPE_NO_SCOPE" });
      await expect(failure).rejects.toThrow(/runInScope/);
    });

    it("refuses transaction settings it cannot apply inside a scope", async () => {
      await db.runInScope(async () => {
        await expect(
          kysely
            .transaction()
            .setIsolationLevel("serializable")
            .execute(async () => undefined),
        ).rejects.toMatchObject({
          code: "ERR_SQLSCOPE_UNSUPPORTED",
        });
      });
    });

    it('in commit: "manual" mode, db.transaction() is a real transaction of its own', async () => {
      const manual = open("manual");
      await manual.db.runInScope(async () => {
        await manual.kysely.transaction().execute((trx) => trx.insertInto("users").values({ email: "m@x" }).execute());
        expect(await emails()).toEqual(["m@x"]);
      });
      expect(manual.db.stats().borrowed).toBe(0);
    });

    for (const framework of ["express", "hono"] as const satisfies readonly Framework[]) {
      const routes: BuilderRoutes = {
        create: async (email) => {
          await kysely.insertInto("users").values({ email }).execute();
        },
        breakCommit: async () => {
          await kysely.insertInto("users").values({ email: "broken@x" }).execute();
          if (flavor === "mysql") {
            // MySQL checks foreign keys at once: end the request's own connection so its COMMIT fails.
            const { rows } = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(kysely);
            await fresh.kill(Number(rows[0]?.id));
          } else {
            await kysely.insertInto("children").values({ id: 1, parent_id: 999 }).execute();
          }
        },
      };
      builderHttpTests(framework, { db: () => db, routes, emails });
    }
  });
}
