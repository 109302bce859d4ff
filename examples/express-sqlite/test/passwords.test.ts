// The read-await-write route (PUT /users/:id/password) over real HTTP on a temporary SQLite file.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { createApp } from "../src/app.ts";
import { createDatabase, schema } from "../src/db.ts";
import { verifyPassword, type StoredPassword } from "../src/passwords.ts";

const CONCURRENT = 40;

describe("examples/express-sqlite: PUT /users/:id/password (read, await a hash, write)", () => {
  let dir: string;
  let db: SQLScope;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sqlscope-example-passwords-"));
    db = createDatabase(join(dir, "users.db"));
    await db.runInScope(() => db.getSession().executeScript(schema));
    const server = createApp(db).listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    };
  });

  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: "POST" | "PUT", path: string, body: unknown) =>
    fetch(`${url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  async function newUsers(n: number, label: string): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await send("POST", "/users", { email: `${label}-${i}@example.com`, name: `${label} ${i}` });
      ids.push(((await res.json()) as { id: number }).id);
    }
    return ids;
  }

  /** What another process sees in the file: a connection outside the app's pool. */
  async function storedPassword(id: number): Promise<StoredPassword | null> {
    const observer = new SQLScope().add(sqlite({ filename: join(dir, "users.db") }));
    try {
      return await observer.runInScope(() =>
        observer
          .getSession()
          .selectOneOrNull<StoredPassword>("SELECT salt, hash FROM credentials WHERE user_id = ?", [id]),
      );
    } finally {
      await observer.close();
    }
  }

  it("sets a password, then changes it only with the current one; 404 for no such user, 400 for a short one", async () => {
    const [id] = await newUsers(1, "single");
    expect((await send("PUT", `/users/${id}/password`, { password: "first password" })).status).toBe(204);
    expect(
      (await send("PUT", `/users/${id}/password`, { current: "wrong guess", password: "second password" })).status,
    ).toBe(403);
    expect(
      (await send("PUT", `/users/${id}/password`, { current: "first password", password: "second password" })).status,
    ).toBe(204);
    expect(await verifyPassword("second password", (await storedPassword(id as number)) as StoredPassword)).toBe(true);
    expect((await send("PUT", "/users/999999/password", { password: "whatever it is" })).status).toBe(404);
    expect((await send("PUT", `/users/${id}/password`, { password: "short" })).status).toBe(400);
  });

  // NOTE: this test fails until SQLite's write-intent default lands (issue 15, item 1: a request with an
  // unsafe method takes the write gate at its first statement). On the deferred default, a request whose
  // read snapshot another request's commit overtook while it awaited the hash cannot upgrade to a write:
  // SerializationError (SQLITE_BUSY_SNAPSHOT), answered 500. Left failing on purpose: it is the case the
  // new default must pass. Do not skip it.
  it(`${CONCURRENT} concurrent read-await-write requests all commit, on SQLite's defaults`, async () => {
    const ids = await newUsers(CONCURRENT, "concurrent");
    const first = await Promise.all(
      ids.map((id) => send("PUT", `/users/${id}/password`, { password: `first of ${id}` })),
    );
    expect(first.map((r) => r.status)).toEqual(ids.map(() => 204));
    // A change checks the current password first: two hashes between the read and the write.
    const changed = await Promise.all(
      ids.map((id) => send("PUT", `/users/${id}/password`, { current: `first of ${id}`, password: `second of ${id}` })),
    );
    expect(changed.map((r) => r.status)).toEqual(ids.map(() => 204));
    for (const id of ids)
      expect(await verifyPassword(`second of ${id}`, (await storedPassword(id)) as StoredPassword), `user ${id}`).toBe(
        true,
      );
  });
});
