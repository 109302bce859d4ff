// drizzle.md: Drizzle on the request's session, with Express and SQLite.
import { SQLScope } from "@sqlscope/core";
import { drizzleSqlite } from "@sqlscope/drizzle/sqlite";
import { sqlscope } from "@sqlscope/express";
import { sqlite } from "@sqlscope/sqlite";
import { eq, relations } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import express from "express";

// docs:start schema
export const users = sqliteTable("users", { id: integer("id").primaryKey(), email: text("email").notNull() });
export const notes = sqliteTable("notes", {
  id: integer("id").primaryKey(),
  userId: integer("user_id").notNull(),
  body: text("body").notNull(),
});
export const usersRelations = relations(users, ({ many }) => ({ notes: many(notes) }));
export const notesRelations = relations(notes, ({ one }) => ({
  user: one(users, { fields: [notes.userId], references: [users.id] }),
}));
// docs:end

// docs:start setup
export const db = new SQLScope().add(sqlite({ filename: "app.db" }), { commit: "autocommit" });
export const orm = drizzleSqlite(db, { schema: { users, notes, usersRelations, notesRelations } }); // the one line
// docs:end

export const app = express();
app.use(express.json());
app.use(sqlscope(db));

// docs:start handler
app.post("/users", async (req, res) => {
  const [user] = await orm.insert(users).values({ email: req.body.email }).returning();
  if (!user?.email.includes("@")) return void res.status(422).json({ error: "not an email" }); // rolled back
  res.status(201).json(user); // sent only after COMMIT succeeded
});

app.get("/users/:id", async (req, res) => {
  const user = await orm.query.users.findFirst({ where: eq(users.id, Number(req.params.id)), with: { notes: true } });
  if (user === undefined) return void res.status(404).end();
  res.json(user);
});
// docs:end

// docs:start transaction
app.post("/users/:id/notes", async (req, res) => {
  const userId = Number(req.params.id);
  const saved: string[] = [];
  for (const body of req.body.notes as string[]) {
    // A savepoint of the request's transaction: tx.rollback() (or a throw) undoes this note only.
    await orm
      .transaction(async (tx) => {
        await tx.insert(notes).values({ userId, body });
        if (body.length > 20) tx.rollback();
        saved.push(body);
      })
      .catch(() => undefined);
  }
  res.status(201).json({ saved });
});
// docs:end
