import Fastify from "fastify";
import { getSession } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/fastify";
import { db } from "./db.ts";

export const app = Fastify();
await app.register(sqlscope, { db }); // at the root, before the routes
app.setErrorHandler(sqlscopeErrors(db)); // sqlscope's errors as 404, 409, 422, 503 or 500; others as Fastify would

app.get("/users", async () => getSession().select("SELECT * FROM users"));
app.post("/users", async (request, reply) => {
  const { lastInsertId } = await getSession().execute(
    "INSERT INTO users (email, name) VALUES (:email, :name)",
    request.body as object,
  );
  return reply.code(201).send({ id: lastInsertId }); // a taken email: 409
});
