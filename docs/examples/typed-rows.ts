import { getSession, sql } from "@sqlscope/core";
import * as v from "valibot";
import { z } from "zod";

const User = z.object({
  id: z.number().int(),
  email: z.email(),
  created_at: z.coerce.date(), // SQLite and MySQL return text/strings; the schema makes it a Date
});

export type User = z.output<typeof User>;

/** Every row is checked; `users` is typed User[] without a cast. */
export async function listUsers(): Promise<User[]> {
  return getSession().select(User, "SELECT id, email, created_at FROM users ORDER BY id");
}

/** Any Standard Schema library works the same way; here valibot, with the sql tag. */
export async function findEmail(id: number): Promise<string | null> {
  const row = await getSession().selectOneOrNull(
    v.object({ email: v.string() }),
    sql`SELECT email FROM users WHERE id = ${id}`,
  );
  return row?.email ?? null;
}

/** A single value: count(*) is a number on SQLite, a string on PostgreSQL; coerce covers both. */
export async function countUsers(): Promise<number> {
  return getSession().selectValue(z.coerce.number().int(), "SELECT count(*) FROM users");
}
