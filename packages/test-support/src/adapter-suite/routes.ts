import { getSession } from "@sqlscope/core";
import type { Probe } from "./probe.ts";
import type { RouteInput, RouteResponse, RouteSpec } from "./types.ts";

export const SAVED_BODY = "row-saved-ok";
/** In SQL text that fails: a default error response that shows it leaks the database's words. */
export const SECRET = "sqlscope_secret_marker";
export const STREAM_CHUNKS = 5;

function param(input: RouteInput, name: string): string {
  const value = input.url.searchParams.get(name);
  if (value === null) throw new Error(`The suite called a route without ?${name}=`);
  return value;
}

async function insert(tag: string, parentId: number | null = null): Promise<void> {
  await getSession().execute("INSERT INTO items (tag, parent_id) VALUES (?, ?)", [tag, parentId]);
}

export function streamChunk(i: number): string {
  return `chunk ${i} ${"x".repeat(64)}\n`;
}

// What most write handlers do: read, await something real (a password hash, another service), then
// write what they decided from the read. Two such transactions on SQLite must not interleave.
async function readAwaitWrite(input: RouteInput): Promise<RouteResponse> {
  const name = param(input, "tag");
  const n = (await getSession().selectValue<number | null>("SELECT max(n) FROM counters WHERE name = ?", [name])) ?? 0;
  // Long enough that concurrent requests overlap even on a loaded machine (the GET check needs a conflict).
  await new Promise((resolve) => setTimeout(resolve, 20));
  await getSession().execute(
    "INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = excluded.n",
    [name, n + 1],
  );
  return { status: 200, body: SAVED_BODY };
}

/** The routes every adapter mounts, described once for all frameworks. */
export function suiteRoutes(probe: Probe): RouteSpec[] {
  return [
    { method: "POST", path: "/read-await-write", handle: readAwaitWrite },
    // The same handler behind a GET: deferred by default; the suite gives it write intent with the adapter's option.
    { method: "GET", path: "/visit", handle: readAwaitWrite },
    {
      // Insert, then answer with ?code (3xx carry a Location).
      method: "POST",
      path: "/status",
      async handle(input): Promise<RouteResponse> {
        await insert(param(input, "tag"));
        const status = Number(param(input, "code"));
        const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
        if (status >= 300 && status < 400) headers["location"] = "/elsewhere";
        return status === 204 || status === 304 ? { status, headers } : { status, headers, body: SAVED_BODY };
      },
    },
    {
      method: "POST",
      path: "/stream",
      async handle(input) {
        await insert(param(input, "tag"));
        const chunks = Array.from({ length: STREAM_CHUNKS }, (_, i) => streamChunk(i));
        return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, chunks };
      },
    },
    {
      method: "POST",
      path: "/throw",
      async handle(input) {
        await insert(param(input, "tag"));
        throw new Error("This route fails on purpose after its insert (sqlscope adapter suite).");
      },
    },
    {
      // A deferred foreign key is checked only at COMMIT: the commit itself fails, for real.
      method: "POST",
      path: "/commit-fails",
      async handle(input) {
        await getSession().execute("PRAGMA defer_foreign_keys = ON");
        await insert(param(input, "tag"), 987_654_321);
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Manual mode: a transaction the route forgot to end must be rolled back, and the 200 is a lie.
      method: "POST",
      path: "/left-open",
      async handle(input) {
        await getSession().begin();
        await insert(param(input, "tag"));
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Insert, then wait for the test (which disconnects the client meanwhile).
      method: "POST",
      path: "/park",
      async handle(input) {
        const tag = param(input, "tag");
        await insert(tag);
        probe.arrive(tag);
        await probe.parked(tag);
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Insert, wait for the test (which disconnects the client), then try to write again: the adapter
      // must have rolled back and released meanwhile, so that statement fails with SessionClosedError.
      method: "POST",
      path: "/park-then-write",
      async handle(input) {
        const tag = param(input, "tag");
        await insert(tag);
        probe.arrive(tag);
        await probe.parked(tag);
        try {
          await insert(`${tag}-late`);
          probe.note(tag, "late insert ran");
        } catch (error) {
          probe.note(tag, (error as { code?: unknown }).code);
        }
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // A query that fails, with words in its SQL text no client may see.
      method: "POST",
      path: "/query-fails",
      async handle() {
        await getSession().execute(`SELECT ${SECRET}_column FROM ${SECRET}_table`);
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Writes, then asks for a row that is not there: NotFoundError.
      method: "GET",
      path: "/not-found",
      async handle(input) {
        await insert(param(input, "tag"));
        await getSession().selectOne("SELECT id FROM items WHERE tag = ?", [`${SECRET}-absent`]);
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Writes, then takes a name twice: a unique violation (ConstraintError "unique").
      method: "POST",
      path: "/duplicate",
      async handle(input) {
        const tag = param(input, "tag");
        await insert(tag);
        for (let i = 0; i < 2; i++)
          await getSession().execute("INSERT INTO handles (name) VALUES (?)", [`${SECRET}-${tag}`]);
        return { status: 201, body: SAVED_BODY };
      },
    },
    {
      // Writes, then breaks a CHECK: ConstraintError "check".
      method: "POST",
      path: "/invalid",
      async handle(input) {
        const tag = param(input, "tag");
        await insert(tag);
        await getSession().execute("INSERT INTO handles (name, qty) VALUES (?, ?)", [`${SECRET}-${tag}`, -1]);
        return { status: 201, body: SAVED_BODY };
      },
    },
    {
      // Writes, then runs a statement with a value missing: ParameterError.
      method: "POST",
      path: "/bad-parameters",
      async handle(input) {
        await insert(param(input, "tag"));
        await getSession().execute(`UPDATE items SET tag = ? WHERE tag = ? AND '${SECRET}' <> ?`, ["x"]);
        return { status: 200, body: SAVED_BODY };
      },
    },
    {
      // Holds a pooled connection (a read transaction) until released.
      method: "GET",
      path: "/hold",
      async handle(input) {
        const tag = param(input, "tag");
        await getSession().selectValue("SELECT count(*) FROM items");
        probe.arrive(tag);
        await probe.parked(tag);
        return { status: 200, body: "held" };
      },
    },
    {
      method: "GET",
      path: "/count",
      async handle(input) {
        const n = await getSession().selectValue<number>("SELECT count(*) FROM items WHERE tag = ?", [
          param(input, "tag"),
        ]);
        return { status: 200, body: String(n) };
      },
    },
    {
      method: "GET",
      path: "/no-db",
      async handle() {
        return { status: 200, body: "no database" };
      },
    },
  ];
}
