// migration.md, before: the usual per-request Kysely transaction middleware. Kept to show what sqlscope replaces.
import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";
import express from "express";
import { Kysely, SqliteDialect, type Generated, type Transaction } from "kysely";

interface Tables {
  users: { id: Generated<number>; email: string };
}

/** The hand-written version: `kysely` on its own pool, one transaction per request in an AsyncLocalStorage. */
export function createApp(filename: string): { app: express.Express; kysely: Kysely<Tables> } {
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: new Database(filename) }) });
  const app = express();
  app.use(express.json());
  // docs:start before
  const current = new AsyncLocalStorage<Transaction<Tables>>();
  const dbOf = () => current.getStore() ?? kysely; // a helper that forgets dbOf() runs outside the transaction

  app.use((req, res, next) => {
    kysely
      .transaction()
      .execute(
        (trx) =>
          new Promise<void>((done) => {
            res.on("close", () => done()); // commits after the response left: a failed COMMIT still showed 201
            current.run(trx, next);
          }),
      )
      .catch(next);
  });

  app.post("/users", async (req, res) => {
    await dbOf().insertInto("users").values({ email: req.body.email }).execute();
    res.status(req.body.email.includes("@") ? 201 : 422).end(); // the 422 commits too
  });
  // docs:end
  return { app, kysely };
}
