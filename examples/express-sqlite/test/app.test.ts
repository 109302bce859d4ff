import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SQLScope } from "@sqlscope/core";
import { createApp } from "../src/app.ts";
import { createDatabase, schema } from "../src/db.ts";

let dir: string;
let db: SQLScope;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlscope-example-"));
  db = createDatabase(join(dir, "users.db"));
  await db.runInScope(() => db.getSession().executeScript(schema));
  server = createApp(db).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown) =>
  fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("examples/express-sqlite users API", () => {
  it("creates, lists, reads and deletes a user", async () => {
    const created = await post({ email: "ada@example.com", name: "Ada" });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: number; email: string };
    expect(created.headers.get("location")).toBe(`/users/${user.id}`);

    const list = (await (await fetch(`${url}/users`)).json()) as { email: string }[];
    expect(list.map((u) => u.email)).toContain("ada@example.com");

    const one = await fetch(`${url}/users/${user.id}`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { name: string }).name).toBe("Ada");

    expect((await fetch(`${url}/users/${user.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${url}/users/${user.id}`)).status).toBe(404);
    expect((await fetch(`${url}/users/${user.id}`, { method: "DELETE" })).status).toBe(404);
    expect(db.stats().borrowed).toBe(0);
  });

  it("answers 400 for bad input and 409 for a duplicate email, committing nothing", async () => {
    expect((await post({ email: "not-an-email", name: "X" })).status).toBe(400);
    expect((await fetch(`${url}/users/abc`)).status).toBe(400);
    const bad = await fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);

    expect((await post({ email: "grace@example.com", name: "Grace" })).status).toBe(201);
    const dup = await post({ email: "grace@example.com", name: "Grace again" });
    expect(dup.status).toBe(409);
    const graces = await db.runInScope(() =>
      db.getSession().select("SELECT name FROM users WHERE email = ?", ["grace@example.com"]),
    );
    expect(graces).toEqual([{ name: "Grace" }]);
    expect(db.stats().borrowed).toBe(0);
  });
});
