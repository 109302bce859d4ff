import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { SQLScope } from "@sqlscope/core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createDatabase, schema } from "../src/db.ts";

interface Line {
  level: number;
  msg: string;
  method: string;
  url: string;
  status: number;
  db?: { keys: string[]; statements: number; result: string; ok: boolean; acquireWaitMs: number; holdMs: number };
}

let dir: string;
let db: SQLScope;
let server: Server;
let url: string;
const lines: Line[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlscope-pino-"));
  db = createDatabase(join(dir, "notes.db"));
  await db.runInScope(() => db.getSession().executeScript(schema));
  // pino writing JSON lines into memory instead of stdout: the test reads what an operator would.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) if (text !== "") lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  server = createApp(db, pino(sink)).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (title: string) =>
  fetch(`${url}/notes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });

/** Runs one request and returns its status with its log line ('close' may fire just after the client got the body). */
async function logged(request: () => Promise<Response>): Promise<{ status: number; line: Line }> {
  const count = lines.length;
  const response = await request();
  await response.arrayBuffer();
  for (let i = 0; i < 300 && lines.length === count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(lines.length).toBe(count + 1);
  return { status: response.status, line: lines.at(-1) as Line };
}

describe("example-pino: one log line per request with its scope's figures", () => {
  it("a created note logs its statement, its commit and the 201", async () => {
    const { status, line } = await logged(() => post("first"));
    expect(status).toBe(201);
    expect(line).toMatchObject({ msg: "request", level: 30, method: "POST", url: "/notes", status: 201 });
    expect(line.db).toMatchObject({ keys: ["db"], statements: 1, result: "commit", ok: true });
    expect(line.db?.holdMs).toBeGreaterThan(0);
  });

  it("a duplicate logs a rollback next to the 409, and nothing was kept", async () => {
    const duplicate = await logged(() => post("first"));
    expect(duplicate.status).toBe(409);
    expect(duplicate.line.db).toMatchObject({ statements: 1, result: "rollback", ok: true });
    const list = await logged(() => fetch(`${url}/notes`));
    expect(list.line).toMatchObject({ method: "GET", status: 200, db: { statements: 1, result: "commit" } });
    const notes = (await (await fetch(`${url}/notes`)).json()) as unknown[];
    expect(notes).toHaveLength(1);
  });

  it("a route that never touches the database logs no keys and no transaction", async () => {
    const { status, line } = await logged(() => fetch(`${url}/health`));
    expect(status).toBe(200);
    expect(line.db).toEqual({ keys: [], statements: 0, result: "none", ok: true, acquireWaitMs: 0, holdMs: 0 });
  });
});
