import { databaseUrl } from "./db.ts";
import { startServer, type RunningServer } from "./server.ts";

let server: RunningServer;
try {
  server = await startServer({ port: Number(process.env.PORT ?? 3000), connectionString: databaseUrl(process.env) });
} catch (error) {
  // A start-up failure is the user's set-up, not a bug: the message says the fix, a stack would bury it.
  console.error(`example-koa-postgres cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const url = server.url;
console.log(`sqlscope example (Koa + PostgreSQL) listening on ${url}
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
