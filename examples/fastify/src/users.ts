import type { FastifyInstance } from "fastify";
import { getSession } from "@sqlscope/core";

export interface User {
  id: number;
  email: string;
  name: string;
  created_at: string;
}

/** A request input error: the error handler turns it into a 400. */
export class BadRequest extends Error {}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequest(`"${raw}" is not a user id`);
  return id;
}

function parseNewUser(body: unknown): { email: string; name: string } {
  const { email, name } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email))
    throw new BadRequest("email must be an email address");
  if (typeof name !== "string" || name.trim() === "") throw new BadRequest("name must be a non-empty string");
  return { email, name: name.trim() };
}

/** Handlers call getSession() wherever they are: no transaction object is passed around. */
export async function users(app: FastifyInstance): Promise<void> {
  app.get("/", async () => getSession().select<User>("SELECT * FROM users ORDER BY id"));

  app.get<{ Params: { id: string } }>("/:id", async (request) =>
    // selectOne throws NotFoundError when there is no row; the error handler maps it to 404.
    getSession().selectOne<User>("SELECT * FROM users WHERE id = :id", { id: parseId(request.params.id) }),
  );

  app.post("/", async (request, reply) => {
    const input = parseNewUser(request.body);
    const user = await getSession().selectOne<User>(
      "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
      input,
    );
    // The 201 leaves only after the INSERT committed (the plugin settles in onSend).
    return reply.code(201).header("location", `/users/${user.id}`).send(user);
  });

  app.delete<{ Params: { id: string } }>("/:id", async (request, reply) => {
    const { rowsAffected } = await getSession().execute("DELETE FROM users WHERE id = ?", [parseId(request.params.id)]);
    return reply.code(rowsAffected === 1 ? 204 : 404).send();
  });
}
