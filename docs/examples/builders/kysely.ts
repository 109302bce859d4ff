// kysely.md and migration.md: Kysely on the request's session, with Express and SQLite.
import { SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { sqlscopeDialect } from "@sqlscope/kysely";
import { sqlite } from "@sqlscope/sqlite";
import express from "express";
import { Kysely, type Generated } from "kysely";

// docs:start setup
interface Database {
  users: { id: Generated<number>; email: string };
  notes: { id: Generated<number>; user_id: number; body: string };
}

export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
export const kysely = new Kysely<Database>({ dialect: sqlscopeDialect(db) }); // the one line
// docs:end

export const app = express();
app.use(express.json());
app.use(sqlscope(db));

// docs:start handler
app.post("/users", async (req, res) => {
  const user = await kysely
    .insertInto("users")
    .values({ email: req.body.email })
    .returning(["id", "email"])
    .executeTakeFirstOrThrow();
  if (!user.email.includes("@")) return void res.status(422).json({ error: "not an email" }); // rolled back
  res.status(201).json(user); // sent only after COMMIT succeeded
});
// docs:end

// docs:start savepoint
app.post("/users/:id/notes", async (req, res) => {
  const userId = Number(req.params.id);
  const saved: string[] = [];
  for (const body of req.body.notes as string[]) {
    try {
      // A savepoint of the request's transaction: a failure undoes this note only.
      await kysely.transaction().execute(async (trx) => {
        await trx.insertInto("notes").values({ user_id: userId, body }).execute();
        if (body.length > 20) throw new Error("too long");
      });
      saved.push(body);
    } catch {
      // skipped; the notes saved before it stay
    }
  }
  res.status(201).json({ saved });
});
// docs:end
