import { Router, type Request } from "express";
import { getSession } from "@sqlscope/core";

export interface User {
  id: number;
  email: string;
  name: string;
  created_at: string;
}

/** A request body error: the error handler turns it into a 400. */
export class BadRequest extends Error {
  readonly status = 400;
}

function parseId(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequest(`"${req.params.id}" is not a user id`);
  return id;
}

function parseNewUser(body: unknown): { email: string; name: string } {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/** Handlers call getSession() wherever they are: no transaction object is passed around. */
export const users = Router();

users.get("/", async (_req, res) => {
  res.json(await getSession().select<User>("SELECT * FROM users ORDER BY id"));
});

users.get("/:id", async (req, res) => {
  // selectOne throws NotFoundError when there is no row; the error handler maps it to 404.
  res.json(await getSession().selectOne<User>("SELECT * FROM users WHERE id = :id", { id: parseId(req) }));
});

users.post("/", async (req, res) => {
  const input = parseNewUser(req.body);
  const user = await getSession().selectOne<User>(
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    input,
  );
  // The 201 leaves only after the INSERT committed.
  res.status(201).location(`/users/${user.id}`).json(user);
});

users.delete("/:id", async (req, res) => {
  const { rowsAffected } = await getSession().execute("DELETE FROM users WHERE id = ?", [parseId(req)]);
  res.status(rowsAffected === 1 ? 204 : 404).end();
});
