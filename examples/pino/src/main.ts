import pino from "pino";
import { createApp } from "./app.ts";
import { createDatabase, schema } from "./db.ts";

const logger = pino();
const db = createDatabase();
await db.runInScope(() => db.getSession().executeScript(schema));

const port = Number(process.env.PORT ?? 3000);
const server = createApp(db, logger).listen(port, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${port}`;
  logger.info(
    { url },
    `sqlscope + pino example listening. Try:
  curl -i -X POST ${url}/notes -H 'content-type: application/json' -d '{"title":"first"}'
  curl -i ${url}/notes
  curl -i -X POST ${url}/notes -H 'content-type: application/json' -d '{"title":"first"}'   # 409, rolled back`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void db.close().then(() => process.exit(0));
  });
}
