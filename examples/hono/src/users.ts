import { Hono } from "hono";
import type { SQLScopeEnv } from "@sqlscope/hono";

export interface User {
  id: number;
  email: string;
  name: string;
  created_at: string;
}

/** A request input error: the app's onError turns it into a 400. */
export class BadRequest extends Error {}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequest(`"${raw}" is not a user id`);
  return id;
}

async function parseNewUser(read: () => Promise<unknown>): Promise<{ email: string; name: string }> {
  let body: unknown;
  try {
    body = await read();
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/** c.var.session is the request's session (getSession() anywhere deeper returns the same one). */
export const users = new Hono<SQLScopeEnv>();

users.get("/", async (c) => c.json(await c.var.session.select<User>("SELECT * FROM users ORDER BY id")));

users.get("/:id", async (c) =>
  // selectOne throws NotFoundError when there is no row; onError maps it to 404.
  c.json(await c.var.session.selectOne<User>("SELECT * FROM users WHERE id = :id", { id: parseId(c.req.param("id")) })),
);

users.post("/", async (c) => {
  const input = await parseNewUser(() => c.req.json());
  const user = await c.var.session.selectOne<User>(
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    input,
  );
  // The 201 leaves only after the INSERT committed.
  c.header("location", `/users/${user.id}`);
  return c.json(user, 201);
});

users.delete("/:id", async (c) => {
  const { rowsAffected } = await c.var.session.execute("DELETE FROM users WHERE id = ?", [parseId(c.req.param("id"))]);
  return c.body(null, rowsAffected === 1 ? 204 : 404);
});
