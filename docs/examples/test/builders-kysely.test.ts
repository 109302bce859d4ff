// kysely.md and migration.md: the Kysely samples, as shown, over real HTTP on a real "app.db" (in a temp directory).
import { createServer } from "node:http";
import { join } from "node:path";
import { getSession } from "@sqlscope/core";
import { afterAll, expect, it } from "vitest";
import { inTempCwd, listen, post } from "./real.ts";

const dir = inTempCwd();
const { db, kysely, app } = await import("../builders/kysely.ts");
await db.runInScope(() =>
  getSession().executeScript(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL);
  `),
);
const server = await listen(createServer(app));
afterAll(async () => {
  await server.close();
  await db.close();
});

const count = (table: "users" | "notes") =>
  db.runInScope(async () =>
    Number(
      (
        await kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );

it("a 201 is committed when the client sees it; a 422 rolls the insert back", async () => {
  const created = await post(`${server.url}/users`, { email: "a@x" });
  expect(created.status).toBe(201);
  expect(await created.json()).toEqual({ id: 1, email: "a@x" });
  expect(await count("users")).toBe(1);
  expect((await post(`${server.url}/users`, { email: "nope" })).status).toBe(422);
  expect(await count("users")).toBe(1);
});

it("a failed db.transaction() is a savepoint: it undoes only its own note", async () => {
  const res = await post(`${server.url}/users/1/notes`, { notes: ["short", "x".repeat(30), "also short"] });
  expect(await res.json()).toEqual({ saved: ["short", "also short"] });
  expect(await count("notes")).toBe(2);
});

it("the hand-written middleware it replaces commits a 422 (and would commit after a 201 was sent)", async () => {
  const { createApp } = await import("../builders/kysely-before.ts");
  const before = createApp(join(dir, "before.db"));
  await before.kysely.schema
    .createTable("users")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("email", "text")
    .execute();
  const running = await listen(createServer(before.app));
  try {
    expect((await post(`${running.url}/users`, { email: "nope" })).status).toBe(422);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await before.kysely.selectFrom("users").select("email").execute()).toEqual([{ email: "nope" }]);
  } finally {
    await running.close();
    await before.kysely.destroy();
  }
});
