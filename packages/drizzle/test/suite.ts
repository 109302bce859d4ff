/* The three drizzle flavours (sqlite-core, pg-core, mysql-core) have the same query API under different
   types; the suite drives them through one loose type, and each test file checks its flavour's types. */
import { getSession, SQLScope, type CommitMode } from "@sqlscope/core";
import { eq, sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  builderHttpTests,
  freshDatabase,
  schemaSql,
  type BuilderRoutes,
  type Flavor,
  type Framework,
  type FreshDatabase,
} from "@sqlscope/integration/builders";

// Loose on purpose: see the header.
type AnyDb = any;
type Tables = { users: any; posts: any; children: any };

export interface DrizzleKit {
  readonly flavor: Flavor;
  readonly url: string | undefined;
  readonly tables: Tables;
  /** The flavour's builder of this package on `db`, with the schema (for db.query). */
  make(db: SQLScope): AnyDb;
  /** Rows of raw SQL through the builder (run/execute differ by flavour). */
  rows(orm: AnyDb, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]>;
}

/**
 * The contract of @sqlscope/drizzle on one real database: every query joins the scope's transaction,
 * db.transaction() is a savepoint, rows are typed as with drizzle's own driver (arrays mapped by position,
 * so joins with repeated column names work; dates as Date), db.query works, and through real HTTP a
 * 2xx is committed before the client sees it while a 4xx, a throw or a failed commit is not.
 */
export function runDrizzleSuite(kit: DrizzleKit): void {
  const { flavor, tables } = kit;
  const { users, posts, children } = tables;

  describe(`@sqlscope/drizzle on ${flavor}`, () => {
    let fresh: FreshDatabase;
    let db: SQLScope;
    let orm: AnyDb;
    const opened: SQLScope[] = [];

    function open(commit: CommitMode): { db: SQLScope; orm: AnyDb } {
      const scope = new SQLScope({ onWarning: () => undefined, finishTimeoutMs: 2_000 }).add(fresh.driver(), {
        commit,
        pool: { max: 4 },
      });
      opened.push(scope);
      return { db: scope, orm: kit.make(scope) };
    }

    const emails = async (): Promise<string[]> =>
      (await fresh.peek("SELECT email FROM users ORDER BY email")).map((r) => String(r.email));
    const addUser = async (email: string, extra: object = {}): Promise<number> => {
      await orm.insert(users).values({ email, ...extra });
      const [row] = await orm.select({ id: users.id }).from(users).where(eq(users.email, email));
      return Number(row.id);
    };

    beforeAll(async () => {
      fresh = await freshDatabase(flavor, kit.url, "drizzle");
      ({ db, orm } = open("autocommit"));
      await db.runInScope(() => getSession().executeScript(schemaSql(flavor)));
    });

    beforeEach(async () => {
      await db.runInScope(async () => {
        for (const table of [children, posts, users]) await orm.delete(table);
      });
    });

    afterAll(async () => {
      for (const scope of opened) await scope.close();
      await fresh?.drop();
    });

    it("runs every query in the scope's transaction: invisible outside until the scope commits", async () => {
      await db.runInScope(async () => {
        await orm.insert(users).values({ email: "a@x" });
        expect(await emails()).toEqual([]);
        // The builder and the session share the request's connection.
        expect(Number(await getSession().selectValue("SELECT count(*) FROM users"))).toBe(1);
      });
      expect(await emails()).toEqual(["a@x"]);
    });

    it("rolls back everything the builder did when the scope fails", async () => {
      await expect(
        db.runInScope(async () => {
          await orm.insert(users).values({ email: "a@x" });
          await orm.update(users).set({ age: 3 });
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await emails()).toEqual([]);
    });

    it("makes db.transaction() a savepoint: a failed or rolled-back one undoes only its own work", async () => {
      await db.runInScope(async () => {
        await orm.insert(users).values({ email: "outer@x" });
        await expect(
          orm.transaction(async (tx: AnyDb) => {
            await tx.insert(users).values({ email: "thrown@x" });
            throw new Error("inner failed");
          }),
        ).rejects.toThrow("inner failed");
        await expect(
          orm.transaction(async (tx: AnyDb) => {
            await tx.insert(users).values({ email: "rolled@x" });
            tx.rollback();
          }),
        ).rejects.toBeInstanceOf(TransactionRollbackError);
        await orm.transaction(async (tx: AnyDb) => {
          await tx.insert(users).values({ email: "kept@x" });
          // Nested: a savepoint inside the savepoint.
          await tx
            .transaction(async (inner: AnyDb) => {
              await inner.insert(users).values({ email: "nested@x" });
              inner.rollback();
            })
            .catch(() => undefined);
        });
      });
      expect(await emails()).toEqual(["kept@x", "outer@x"]);
    });

    it("commits a db.transaction() only with the scope: it is no COMMIT of its own", async () => {
      await expect(
        db.runInScope(async () => {
          await orm.transaction((tx: AnyDb) => tx.insert(users).values({ email: "inner@x" }));
          expect(await emails()).toEqual([]);
          throw new Error("scope failed");
        }),
      ).rejects.toThrow("scope failed");
      expect(await emails()).toEqual([]);
    });

    it("maps rows as drizzle's own driver does: joins with repeated column names, dates, db.query", async () => {
      const at = new Date("2026-05-04T03:02:01.123Z");
      await db.runInScope(async () => {
        const id = await addUser("a@x", { age: 30, createdAt: at });
        await orm.insert(posts).values([
          { userId: id, title: "one" },
          { userId: id, title: "two" },
        ]);
        // Both tables have an "id" column: rows come as arrays, mapped by position.
        const joined = await orm
          .select({ userId: users.id, postId: posts.id, email: users.email, title: posts.title })
          .from(users)
          .innerJoin(posts, eq(posts.userId, users.id))
          .orderBy(posts.title);
        expect(joined).toHaveLength(2);
        expect(joined[0]).toMatchObject({ userId: id, email: "a@x", title: "one" });
        expect(joined[0].postId).not.toBe(joined[1].postId);
        const [user] = await orm.select().from(users).where(eq(users.id, id));
        expect(user).toEqual({ id, email: "a@x", age: 30, createdAt: at });
        // No orderBy inside `with`: on MariaDB drizzle then nests a derived table that cannot see the outer row.
        const found = await orm.query.users.findMany({ with: { posts: true } });
        expect(found).toEqual([{ id, email: "a@x", age: 30, createdAt: at, posts: expect.any(Array) }]);
        expect(found[0].posts.map((p: { title: string }) => p.title).sort()).toEqual(["one", "two"]);
        // A `one` relation is a derived table too, which MariaDB rejects (so with plain drizzle as well).
        const first = await orm.query.posts.findFirst({
          where: eq(posts.title, "two"),
          with: flavor === "mysql" ? {} : { user: true },
        });
        if (flavor !== "mysql") expect(first.user.email).toBe("a@x");
        expect(first.title).toBe("two");
        const counted = await kit.rows(orm, sql`SELECT count(*) AS n FROM ${posts}`);
        expect(Number(counted[0]?.n)).toBe(2);
      });
    });

    it("fails outside a scope with NoScopeError naming the fix", async () => {
      const failure = orm
        .select()
        .from(users)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const error = (await failure) as { code?: string; cause?: { code?: string; message?: string }; message: string };
      // drizzle wraps driver errors in DrizzleQueryError; the cause is ours.
      const ours = error.code === undefined ? error.cause : error;
      expect(ours).toMatchObject({ code: "ERR_SQLSCOPE_NO_SCOPE" });
      expect(ours?.message).toMatch(/runInScope/);
    });

    it("refuses transaction settings it cannot apply inside a scope", async () => {
      await db.runInScope(async () => {
        await expect(orm.transaction(async () => undefined, { isolationLevel: "serializable" })).rejects.toMatchObject({
          code: "ERR_SQLSCOPE_UNSUPPORTED",
        });
      });
    });

    it('in commit: "manual" mode, db.transaction() is a real transaction of its own', async () => {
      const manual = open("manual");
      await manual.db.runInScope(async () => {
        await manual.orm.transaction((tx: AnyDb) => tx.insert(users).values({ email: "m@x" }));
        expect(await emails()).toEqual(["m@x"]);
      });
      expect(manual.db.stats().borrowed).toBe(0);
    });

    for (const framework of ["express", "koa"] as const satisfies readonly Framework[]) {
      const routes: BuilderRoutes = {
        create: async (email) => {
          await orm.insert(users).values({ email });
        },
        breakCommit: async () => {
          await orm.insert(users).values({ email: "broken@x" });
          if (flavor === "mysql") {
            // MySQL checks foreign keys at once: end the request's own connection so its COMMIT fails.
            const [row] = await kit.rows(orm, sql`SELECT CONNECTION_ID() AS id`);
            await fresh.kill(Number(row?.id));
          } else {
            await orm.insert(children).values({ id: 1, parentId: 999 });
          }
        },
      };
      builderHttpTests(framework, { db: () => db, routes, emails });
    }
  });
}
