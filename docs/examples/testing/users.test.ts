// users.test.ts (vitest)
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { beforeAll, expect, it } from "vitest";
import { getSession } from "@sqlscope/core";
import { useRollbackPerTest } from "@sqlscope/testing/vitest";
import { db, schema } from "../src/db.ts"; // your app's SQLScope
import { createApp } from "../src/app.ts";

const headers = { "content-type": "application/json" };
let url: string;
beforeAll(async () => {
  await db.runInScope(() => getSession().execute(schema)); // schema and seed data: commit them here
  const server = createApp(db).listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async () => {
    server.close();
    await db.close();
  };
});
useRollbackPerTest(db);

it("creates a user", async () => {
  const res = await fetch(`${url}/users`, { method: "POST", body: JSON.stringify({ email: "a@x" }), headers });
  expect(res.status).toBe(201);
  expect(await fetch(`${url}/users`).then((r) => r.json())).toHaveLength(1); // later requests see it
  expect(await db.runInScope(() => getSession().selectValue("SELECT count(*) FROM users"))).toBe(1); // so does the test
});

it("starts clean", async () => {
  expect(await fetch(`${url}/users`).then((r) => r.json())).toEqual([]); // rolled back
});
