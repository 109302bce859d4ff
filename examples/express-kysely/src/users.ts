import { Router, type Request } from "express";
import type { Kysely } from "kysely";
import type { Database } from "./db.ts";

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
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/** The users routes, with Kysely only: no transaction object is passed around. */
export function users(kysely: Kysely<Database>): Router {
  const router = Router();

  router.get("/", async (_req, res) => {
    res.json(await kysely.selectFrom("users").selectAll().orderBy("id").execute());
  });

  router.get("/:id", async (req, res) => {
    // NoResultError when there is no row; the error handler maps it to 404.
    res.json(await kysely.selectFrom("users").selectAll().where("id", "=", parseId(req)).executeTakeFirstOrThrow());
  });

  router.post("/", async (req, res) => {
    const user = await kysely
      .insertInto("users")
      .values(parseNewUser(req.body))
      .returningAll()
      .executeTakeFirstOrThrow();
    // The 201 leaves only after the INSERT committed.
    res.status(201).location(`/users/${user.id}`).json(user);
  });

  router.delete("/:id", async (req, res) => {
    const { numDeletedRows } = await kysely
      .deleteFrom("users")
      .where("id", "=", parseId(req))
      .executeTakeFirstOrThrow();
    res.status(numDeletedRows === 1n ? 204 : 404).end();
  });

  return router;
}
