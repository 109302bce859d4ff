// multi-database.md: users in a real SQLite file, events in a real DuckDB file, one Express server.
import { createServer } from "node:http";
import { afterAll, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { inTempCwd, listen, post } from "./real.ts";

inTempCwd();
const { db } = await import("../multi-database/db.ts");
const { app } = await import("../multi-database/app.ts");
await db.runInScope(async () => {
  await getSession().execute(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
  );
  await getSession("events").execute("CREATE TABLE events (type TEXT, subject TEXT)");
});
const server = await listen(createServer(app));
afterAll(async () => {
  await server.close();
  await db.close();
});

const state = () =>
  db.runInScope(async () => [
    await getSession().select("SELECT email FROM users ORDER BY id"),
    await getSession("events").select("SELECT type, subject FROM events ORDER BY type, subject"),
  ]);

it("a 201 commits both keys; a duplicate (500) rolls back both; a 400 commits only the events key", async () => {
  expect((await post(`${server.url}/users`, { email: "a@x", name: "A" })).status).toBe(201);
  expect((await post(`${server.url}/users`, { email: "a@x", name: "A" })).status).toBe(500);
  expect((await post(`${server.url}/signups`, { email: "nope", name: "B" })).status).toBe(400);
  expect((await post(`${server.url}/signups`, { email: "b@x", name: "B" })).status).toBe(201);
  expect(await state()).toEqual([
    [{ email: "a@x" }, { email: "b@x" }],
    [
      { type: "signup.rejected", subject: "email must be an email address" },
      { type: "user.created", subject: "a@x" },
      { type: "user.created", subject: "b@x" },
    ],
  ]);
});
