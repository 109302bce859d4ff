import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getSession } from "@sqlscope/core";
import { useRollbackPerTest } from "@sqlscope/testing/node-test";
import { db, schema } from "../src/db.ts";
import { createApp } from "../src/app.ts";

let app: Server;
let url: string;
before(async () => {
  await db.runInScope(() => getSession().execute(schema));
  app = createApp(db).listen(0, "127.0.0.1");
  await once(app, "listening");
  url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  app.close();
  await db.close();
});
useRollbackPerTest(db); // test.beforeEach / test.afterEach of node:test

void test("creates a user", async () => {
  const res = await fetch(`${url}/users`, {
    method: "POST",
    body: JSON.stringify({ email: "a@x" }),
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.status, 201);
});

void test("starts clean", async () => {
  assert.deepEqual(await fetch(`${url}/users`).then((r) => r.json()), []);
});
