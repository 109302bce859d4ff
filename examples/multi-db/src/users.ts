import { Router } from "express";
import { getSession } from "@sqlscope/core";
import { recordEvent } from "./events.ts";

export interface User {
  id: number;
  email: string;
  name: string;
}

export interface NewUser {
  email: string;
  name: string;
}

/** A request body error: the error handler turns it into a 400. */
export class BadRequest extends Error {
  readonly status = 400;
}

/** Checks a sign-up body; throws BadRequest with what is wrong. */
export function parseNewUser(body: unknown): NewUser {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/**
 * Writes a user to SQLite and its "user.created" event to DuckDB: two sessions of one request, each
 * settled by its own key's policy when the response status is known.
 *
 * @example
 * const user = await createUser({ email: "ada@example.com", name: "Ada" });
 */
export async function createUser(input: NewUser): Promise<User> {
  const user = await getSession().selectOne<User>(
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    input,
  );
  await recordEvent("user.created", user.email);
  return user;
}

export const users = Router();

users.get("/", async (_req, res) => {
  res.json(await getSession().select<User>("SELECT * FROM users ORDER BY id"));
});

users.post("/", async (req, res) => {
  let input: NewUser;
  try {
    input = parseNewUser(req.body);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    // "events" commits on 400 (extraCommitStatuses): the rejection is counted, nothing else is kept.
    await recordEvent("signup.rejected", error.message);
    res.status(400).json({ error: error.message });
    return;
  }
  const user = await createUser(input);
  // The 201 leaves only after both the user and its event committed.
  res.status(201).location(`/users/${user.id}`).json(user);
});

// All or nothing across both databases: one duplicate email (409) rolls back every user and every
// event this request wrote, in SQLite and in DuckDB.
users.post("/import", async (req, res) => {
  const list: unknown = req.body;
  if (!Array.isArray(list)) throw new BadRequest("the body must be an array of { email, name }");
  const inputs = list.map(parseNewUser);
  const created: User[] = [];
  for (const input of inputs) created.push(await createUser(input));
  res.status(201).json(created);
});
