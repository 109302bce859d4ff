// multi-database.md: a sign-up route whose 400 still commits the "events" key.
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

/** A request body error, answered with 400. */
export class BadRequest extends Error {}

/** Checks a sign-up body; throws BadRequest with what is wrong. */
export function parseNewUser(body: unknown): NewUser {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !email.includes("@")) throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name === "") throw new BadRequest("name must be a non-empty string");
  return { email, name };
}

export const users = Router();

// docs:start rejected
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
  const user = await getSession().selectOne<User>(
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    input,
  );
  await recordEvent("user.created", user.email);
  res.status(201).json(user);
});
// docs:end
