// quick-start.md: the two files, as shown, over real HTTP on a real "app.db" (in a temp directory).
import { createServer } from "node:http";
import { afterAll, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { inTempCwd, listen, post } from "./real.ts";

inTempCwd();
const { db } = await import("../quick-start/db.ts");
const { app } = await import("../quick-start/app.ts");
await db.runInScope(() =>
  getSession().execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT)"),
);
const server = await listen(createServer(app));
afterAll(async () => {
  await server.close();
  await db.close();
});

it("a 201 means the user was committed; a taken email is a 409 and rolls back; no such user is a 404", async () => {
  const created = await post(`${server.url}/users`, { email: "a@x", name: "A" });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: number };
  expect(await fetch(`${server.url}/users/${id}`).then((r) => r.json())).toEqual({ id, email: "a@x", name: "A" });
  expect((await post(`${server.url}/users`, { email: "a@x", name: "again" })).status).toBe(409);
  expect((await fetch(`${server.url}/users/${id + 1}`)).status).toBe(404);
  expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM users"))).toBe(1);
});
