import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

/** What an example's start function returns: its base URL and how to stop it (closing its database). */
export interface RunningExample {
  url: string;
  close(): Promise<void>;
}

/**
 * The contract every "users API" example (Express, Koa, Hono, Fastify) keeps, over real HTTP on a
 * temporary SQLite file, with a separate connection checking what was committed.
 *
 * @example
 * describeUsersApi("examples/koa", (filename) => startServer({ port: 0, filename }));
 */
export function describeUsersApi(name: string, start: (filename: string) => Promise<RunningExample>): void {
  let dir: string;
  let server: RunningExample;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlscope-example-"));
    server = await start(join(dir, "users.db"));
    url = server.url;
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  /** What another process would see in the file: a separate connection, outside the server. */
  async function committedNames(email: string): Promise<unknown[]> {
    const observer = new SQLScope().add(sqlite({ filename: join(dir, "users.db") }));
    try {
      return await observer.runInScope(() =>
        observer.getSession().select("SELECT name FROM users WHERE email = ?", [email]),
      );
    } finally {
      await observer.close();
    }
  }

  describe(`${name} users API`, () => {
    it("creates, lists, reads and deletes a user", async () => {
      const created = await post({ email: "ada@example.com", name: "Ada" });
      expect(created.status).toBe(201);
      const user = (await created.json()) as { id: number; email: string };
      expect(created.headers.get("location")).toBe(`/users/${user.id}`);
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
    });

    it("answers 400 for bad input and 409 for a duplicate email, committing nothing", async () => {
      expect((await post({ email: "not-an-email", name: "X" })).status).toBe(400);
      expect((await fetch(`${url}/users/abc`)).status).toBe(400);
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
    });
  });
}
