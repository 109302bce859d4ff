// drizzle.md: the Drizzle sample, as shown, over real HTTP on a real "app.db" (in a temp directory).
import { createServer } from "node:http";
import { getSession } from "@sqlscope/core";
import { afterAll, expect, it } from "vitest";
import { inTempCwd, listen, post } from "./real.ts";

inTempCwd();
const { db, app } = await import("../builders/drizzle.ts");
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

it("a 201 is committed when the client sees it; a 422 rolls the insert back", async () => {
  const created = await post(`${server.url}/users`, { email: "a@x" });
  expect(created.status).toBe(201);
  expect(await created.json()).toEqual({ id: 1, email: "a@x" });
  expect((await post(`${server.url}/users`, { email: "nope" })).status).toBe(422);
  expect(await fetch(`${server.url}/users/2`).then((r) => r.status)).toBe(404);
});

it("tx.rollback() undoes only its own savepoint; db.query reads the rest", async () => {
  const res = await post(`${server.url}/users/1/notes`, { notes: ["short", "x".repeat(30), "also short"] });
  expect(await res.json()).toEqual({ saved: ["short", "also short"] });
  const user = (await fetch(`${server.url}/users/1`).then((r) => r.json())) as { notes: { body: string }[] };
  expect(user.notes.map((n) => n.body)).toEqual(["short", "also short"]);
});
