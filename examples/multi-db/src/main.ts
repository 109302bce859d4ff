import { createApp } from "./app.ts";
import { createDatabases, createSchemas, defaultFiles } from "./db.ts";

const files = defaultFiles();
const db = createDatabases(files);
await createSchemas(db);

const port = Number(process.env.PORT ?? 3000);
const server = createApp(db).listen(port, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${port}`;
  const json = "-H 'content-type: application/json'";
  console.log(`sqlscope example (Express + SQLite users + DuckDB events) listening on ${url}
Users in ${files.users}, events in ${files.events}.
Try:
  curl -i -X POST ${url}/users ${json} -d '{"email":"ada@example.com","name":"Ada"}'       # 201: user + "user.created" event
  curl -i -X POST ${url}/users ${json} -d '{"email":"nope","name":"X"}'                    # 400: only "signup.rejected" commits
  curl -i -X POST ${url}/events ${json} -d '{"type":"page.viewed","subject":"/pricing"}'   # 202: the event commits
  curl -i -X POST ${url}/users/import ${json} -d '[{"email":"b@example.com","name":"B"},{"email":"ada@example.com","name":"Dup"}]'   # 409: both databases roll back
  curl -i ${url}/dashboard
Stop with Ctrl+C.`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void db.close().then(() => process.exit(0));
  });
}
