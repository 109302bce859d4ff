import Router from "@koa/router";
import { getSession } from "@sqlscope/core";

export interface User {
  id: number;
  email: string;
  name: string;
  created_at: Date;
}

/** A request input error: the error middleware turns it into a 400. */
export class BadRequest extends Error {}

function parseId(raw: string | undefined): number {
  const id = Number(raw);
  // PostgreSQL's integer is 32-bit: a larger id would be a server error, not a 404.
  if (!Number.isInteger(id) || id <= 0 || id > 2_147_483_647) throw new BadRequest(`"${raw}" is not a user id`);
  return id;
}

function parseNewUser(body: unknown): { email: string; name: string } {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/** Handlers call getSession() wherever they are: no client or transaction object is passed around. */
export const users = new Router({ prefix: "/users" });

users.get("/", async (ctx) => {
  ctx.body = await getSession().select<User>("SELECT * FROM users ORDER BY id");
});

users.get("/:id", async (ctx) => {
  // selectOne throws NotFoundError when there is no row; the error middleware maps it to 404.
  ctx.body = await getSession().selectOne<User>("SELECT * FROM users WHERE id = :id", { id: parseId(ctx.params.id) });
});

users.post("/", async (ctx) => {
  const input = parseNewUser(ctx.request.body);
  // PostgreSQL reports no lastInsertId: RETURNING gives the row, generated id included.
  const user = await getSession().selectOne<User>(
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    input,
  );
  // The 201 leaves only after the INSERT committed.
  ctx.status = 201;
  ctx.set("location", `/users/${user.id}`);
  ctx.body = user;
});

users.delete("/:id", async (ctx) => {
  const { rowsAffected } = await getSession().execute("DELETE FROM users WHERE id = ?", [parseId(ctx.params.id)]);
  ctx.status = rowsAffected === 1 ? 204 : 404;
});
