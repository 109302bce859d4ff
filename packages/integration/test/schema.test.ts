import type { StandardSchemaV1 } from "@standard-schema/spec";
import * as v from "valibot";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { getSession, RowValidationError, sql, type InferOutput, type StandardSchema } from "@sqlscope/core";
import { expressServer, sqliteDb, type RealDb } from "@sqlscope/integration/real-app";

const SCHEMA = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, created_at TEXT NOT NULL, score REAL);
  INSERT INTO users (email, created_at, score) VALUES
    ('ada@example.com', '2024-01-02T03:04:05Z', 1.5),
    ('bob@example.com', '2024-02-03T04:05:06Z', NULL),
    ('not-an-email',    '2024-03-04T05:06:07Z', 2);
`;

const ZodUser = z.object({
  id: z.number().int(),
  email: z.email(),
  created_at: z.coerce.date(),
  score: z.number().nullable(),
});
const ValibotUser = v.object({ id: v.number(), email: v.pipe(v.string(), v.email()), score: v.nullable(v.number()) });

describe("typed rows: select(schema, sql, params) with real zod and valibot on a SQLite file", () => {
  let real: RealDb;
  afterEach(async () => real?.close());

  it("returns the schema's output (coerced) and its type", async () => {
    real = await sqliteDb(SCHEMA);
    const { db } = real;
    const users = await db.runInScope(() =>
      getSession().select(ZodUser, "SELECT * FROM users WHERE id <= ? ORDER BY id", [2]),
    );
    expectTypeOf(users).toEqualTypeOf<z.output<typeof ZodUser>[]>();
    expect(users).toEqual([
      { id: 1, email: "ada@example.com", created_at: new Date("2024-01-02T03:04:05Z"), score: 1.5 },
      { id: 2, email: "bob@example.com", created_at: new Date("2024-02-03T04:05:06Z"), score: null },
    ]);
    expect(users[0]?.created_at).toBeInstanceOf(Date);

    const one = await db.runInScope(() =>
      getSession().selectOne(ValibotUser, sql`SELECT id, email, score FROM users WHERE id = ${1}`),
    );
    expectTypeOf(one).toEqualTypeOf<v.InferOutput<typeof ValibotUser>>();
    expect(one).toEqual({ id: 1, email: "ada@example.com", score: 1.5 });
  });

  it("a row that does not match throws RowValidationError naming the row index and the column", async () => {
    real = await sqliteDb(SCHEMA);
    const { db } = real;
    for (const schema of [ZodUser, ValibotUser]) {
      const error = await db
        .runInScope(() => getSession().select(schema, "SELECT * FROM users ORDER BY id"))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(RowValidationError);
      const e = error as RowValidationError;
      expect(e.code).toBe("ERR_SQLSCOPE_ROW_VALIDATION");
      expect(e.rowIndex).toBe(2);
      expect(e.column).toBe("email");
      expect(e.message).toMatch(
        /^Row 2 of SELECT \* FROM users ORDER BY id does not match the schema: column "email": /,
      );
      expect(e.issues.length).toBeGreaterThan(0);
    }
    // A failed validation is an error in the scope like any other: it rolls back.
    const error = await db
      .runInScope(async () => {
        await getSession().execute("INSERT INTO users (email, created_at) VALUES ('new@example.com', 'x')");
        return getSession().selectOne(ZodUser, "SELECT * FROM users WHERE email = 'new@example.com'");
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowValidationError);
    expect((error as RowValidationError).column).toBe("created_at");
    expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM users"))).toBe(3);
  });

  it("selectOneOrNull returns null without validating; selectValue validates the value; async validators are awaited", async () => {
    real = await sqliteDb(SCHEMA);
    const { db } = real;
    await db.runInScope(async () => {
      const s = getSession();
      expect(await s.selectOneOrNull(ZodUser, "SELECT * FROM users WHERE id = 99")).toBeNull();
      const count = await s.selectValue(z.number().int().min(3), "SELECT count(*) FROM users");
      expectTypeOf(count).toEqualTypeOf<number>();
      expect(count).toBe(3);
      await expect(s.selectValue(z.string(), "SELECT count(*) FROM users")).rejects.toThrow(
        /Row 0 of .* does not match the schema: Invalid input/,
      );
      const checked = z
        .object({ email: z.string() })
        .refine(async (row) => row.email.includes("@"), { message: "no @", path: ["email"] });
      expect(await s.select(checked, "SELECT email FROM users WHERE id < 3")).toHaveLength(2);
      const bad = await s.select(checked, "SELECT email FROM users").catch((e: unknown) => e);
      expect(bad).toMatchObject({ rowIndex: 2, column: "email" });
    });
  });

  it("the untyped path still returns the driver's rows as they are", async () => {
    real = await sqliteDb(SCHEMA);
    const rows = await real.db.runInScope(() =>
      getSession().select<{ created_at: string }>("SELECT created_at FROM users WHERE id = 1"),
    );
    expect(rows).toEqual([{ created_at: "2024-01-02T03:04:05Z" }]);
  });

  it("our StandardSchema type accepts the spec's type and both libraries' schemas", () => {
    expectTypeOf<StandardSchemaV1<unknown, { id: number }>>().toExtend<StandardSchema<unknown, { id: number }>>();
    expectTypeOf<typeof ZodUser>().toExtend<StandardSchema>();
    expectTypeOf<typeof ValibotUser>().toExtend<StandardSchema>();
    expectTypeOf<InferOutput<StandardSchemaV1<unknown, { id: number }>>>().toEqualTypeOf<{ id: number }>();
  });

  it("through Express over HTTP: typed rows as JSON, and a bad row becomes a 500 that rolls back", async () => {
    real = await sqliteDb(SCHEMA);
    const { db } = real;
    const server = await expressServer(db, (app) => {
      app.get("/users/:id", async (req, res) => {
        const user = await getSession().selectOne(ValibotUser, "SELECT id, email, score FROM users WHERE id = ?", [
          Number(req.params.id),
        ]);
        res.json({ email: user.email.toUpperCase() });
      });
      app.post("/touch/:id", async (req, res) => {
        await getSession().execute("UPDATE users SET score = 100 WHERE id = ?", [Number(req.params.id)]);
        const user = await getSession().selectOne(ValibotUser, "SELECT id, email, score FROM users WHERE id = ?", [
          Number(req.params.id),
        ]);
        res.json(user);
      });
    });
    try {
      const ok = await fetch(`${server.url}/users/1`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ email: "ADA@EXAMPLE.COM" });
      const bad = await fetch(`${server.url}/touch/3`, { method: "POST" });
      expect(bad.status).toBe(500);
      const score = await db.runInScope(() => getSession().selectValue("SELECT score FROM users WHERE id = 3"));
      expect(score).toBe(2);
    } finally {
      await server.close();
    }
  });
});
