import { fileURLToPath } from "node:url";
import { startServer } from "./server.ts";

const server = await startServer({
  port: Number(process.env.PORT ?? 3000),
  filename: process.env.SQLSCOPE_DB ?? fileURLToPath(new URL("../users.db", import.meta.url)),
});
const url = server.url;
console.log(`sqlscope example (Fastify + SQLite) listening on ${url}
Try:
  curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'
  curl -i ${url}/users
  curl -i ${url}/users/1
  curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada again"}'   # 409
  curl -i -X DELETE ${url}/users/1
Stop with Ctrl+C.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
