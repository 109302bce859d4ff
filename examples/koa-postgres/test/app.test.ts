import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, getSession, SQLScope } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";
import { postgresTestUrl } from "@sqlscope/test-support";
import { databaseUrl } from "../src/db.ts";
import { startServer, type RunningServer } from "../src/server.ts";

const serverUrl = postgresTestUrl();
const exampleDir = fileURLToPath(new URL("..", import.meta.url));

describe("examples/koa-postgres start-up", () => {
  it("refuses to start without DATABASE_URL and says how to set it", async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--conditions=@sqlscope/source", "--import", "tsx", "src/main.ts"],
        { cwd: exampleDir, env, timeout: 20_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DATABASE_URL is not set");
    expect(result.stderr).toContain("DATABASE_URL=postgres://");
  });

  it("rejects a DATABASE_URL that is not a PostgreSQL URL", () => {
    expect(() => databaseUrl({ DATABASE_URL: "mysql://root@127.0.0.1/app" })).toThrow(ConfigError);
    expect(() => databaseUrl({ DATABASE_URL: "not a url" })).toThrow(/not a URL/);
    expect(databaseUrl({ DATABASE_URL: " postgresql://u@h/db " })).toBe("postgresql://u@h/db");
  });
});

describe.skipIf(serverUrl === undefined)("examples/koa-postgres users API on a real PostgreSQL", () => {
  let admin: SQLScope;
  let name: string;
  let dbUrl: string;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    // A database of this file's own; manual mode runs CREATE DATABASE outside a transaction, as it must be.
    admin = new SQLScope().add(postgres({ connectionString: serverUrl as string }), { commit: "manual" });
    name = `example_koa_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    await admin.runInScope(() => getSession().execute(`CREATE DATABASE "${name}"`));
    const parsed = new URL(serverUrl as string);
    parsed.pathname = `/${name}`;
    dbUrl = parsed.toString();
    server = await startServer({ port: 0, connectionString: dbUrl });
    url = server.url;
  });

  afterAll(async () => {
    await server?.close();
    await admin?.runInScope(() => getSession().execute(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    await admin?.close();
  });

  const post = (body: unknown) =>
    fetch(`${url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  /** What another client sees: its own connection, outside the server's pool. */
  async function committedNames(email: string): Promise<unknown[]> {
    const observer = new SQLScope().add(postgres({ connectionString: dbUrl }));
    try {
      return await observer.runInScope(() => getSession().select("SELECT name FROM users WHERE email = ?", [email]));
    } finally {
      await observer.close();
    }
  }

  it("creates, lists, reads and deletes a user", async () => {
    const created = await post({ email: "ada@example.com", name: "Ada" });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: number; email: string; created_at: string };
    expect(created.headers.get("location")).toBe(`/users/${user.id}`);
    expect(Number.isNaN(Date.parse(user.created_at))).toBe(false);
    expect(await committedNames("ada@example.com")).toEqual([{ name: "Ada" }]);

    const list = (await (await fetch(`${url}/users`)).json()) as { email: string }[];
    expect(list.map((u) => u.email)).toContain("ada@example.com");

    const one = await fetch(`${url}/users/${user.id}`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { name: string }).name).toBe("Ada");

    expect((await fetch(`${url}/users/${user.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${url}/users/${user.id}`)).status).toBe(404);
    expect((await fetch(`${url}/users/${user.id}`, { method: "DELETE" })).status).toBe(404);
    expect(await committedNames("ada@example.com")).toEqual([]);
    expect(server.db.stats().borrowed).toBe(0);
  });

  it("answers 400 for bad input and 409 for a duplicate email, committing nothing", async () => {
    expect((await post({ email: "not-an-email", name: "X" })).status).toBe(400);
    expect((await fetch(`${url}/users/abc`)).status).toBe(400);
    expect((await fetch(`${url}/users/99999999999`)).status).toBe(400);
    const bad = await fetch(`${url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);

    expect((await post({ email: "grace@example.com", name: "Grace" })).status).toBe(201);
    const dup = await post({ email: "grace@example.com", name: "Grace again" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({ error: "email already registered" });
    expect(await committedNames("grace@example.com")).toEqual([{ name: "Grace" }]);
    expect(server.db.stats().borrowed).toBe(0);
  });

  it("serves concurrent requests, each on its own connection and transaction", async () => {
    const emails = Array.from({ length: 20 }, (_, i) => `user${i}@example.com`);
    const statuses = await Promise.all(emails.map((email) => post({ email, name: email }).then((r) => r.status)));
    expect(statuses).toEqual(emails.map(() => 201));
    const list = (await (await fetch(`${url}/users`)).json()) as { email: string }[];
    expect(list.map((u) => u.email)).toEqual(expect.arrayContaining(emails));
    expect(server.db.stats().borrowed).toBe(0);
  });
});
