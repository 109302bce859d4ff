import { createApp } from "./app.ts";
import { createDatabase, schema } from "./db.ts";

const db = createDatabase();
// Schema set-up runs in a scope of its own: committed when the function resolves.
await db.runInScope(() => db.getSession().executeScript(schema));

const port = Number(process.env.PORT ?? 3000);
const server = createApp(db).listen(port, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${port}`;
  console.log(`sqlscope example (Express + SQLite) listening on ${url}
Try:
  curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'
  curl -i ${url}/users
  curl -i ${url}/users/1
  curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada again"}'   # 409
  curl -i -X PUT ${url}/users/1/password -H 'content-type: application/json' -d '{"password":"correct horse"}'
  curl -i -X DELETE ${url}/users/1
Stop with Ctrl+C.`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void db.close().then(() => process.exit(0));
  });
}
