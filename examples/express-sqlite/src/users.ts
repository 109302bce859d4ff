import { Router, type Request } from "express";
import { getSession } from "@sqlscope/core";
import { hashPassword, verifyPassword, type StoredPassword } from "./passwords.ts";

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

/** The current password given does not match: a 403. */
export class Forbidden extends Error {
  readonly status = 403;
}

function parseId(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequest(`"${req.params.id}" is not a user id`);
  return id;
}

function parseNewUser(body: unknown): { email: string; name: string } {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

function parsePasswordChange(body: unknown): { current: string | undefined; password: string } {
  const { current, password } = (body ?? {}) as Record<string, unknown>;
  if (typeof password !== "string" || password.length < 8)
    throw new BadRequest("password must be at least 8 characters");
  if (current !== undefined && typeof current !== "string") throw new BadRequest("current must be a string");
  return { current, password };
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

// Read, await, write: the shape of most real write handlers. The handler is the transaction, from its
// first statement to the response: the hashes below run while it is open, and on SQLite while this
// request holds the database's write gate (a PUT takes it at its first statement), so no other
// request's commit can make the write fail. Work that needs no database (hashing the new password) could
// run before the first statement and keep the transaction shorter; checking the current one cannot.
users.put("/:id/password", async (req, res) => {
  const id = parseId(req);
  const change = parsePasswordChange(req.body);
  const s = getSession();
  await s.selectOne("SELECT id FROM users WHERE id = ?", [id]); // no such user: NotFoundError, a 404
  const stored = await s.selectOneOrNull<StoredPassword>("SELECT salt, hash FROM credentials WHERE user_id = ?", [id]);
  if (stored !== null && !(await verifyPassword(change.current ?? "", stored)))
    throw new Forbidden("the current password is wrong");
  const next = await hashPassword(change.password);
  await s.execute(
    "INSERT INTO credentials (user_id, salt, hash) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash",
    [id, next.salt, next.hash],
  );
  res.status(204).end(); // leaves after the commit
});

users.delete("/:id", async (req, res) => {
  const { rowsAffected } = await getSession().execute("DELETE FROM users WHERE id = ?", [parseId(req)]);
  res.status(rowsAffected === 1 ? 204 : 404).end();
});
