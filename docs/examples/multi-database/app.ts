// multi-database.md: one request writing to two databases, each settled by its own key's policy.
import express from "express";
import { getSession } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { db } from "./db.ts";
import { users, type User } from "./users.ts";

export const app = express();
app.use(express.json());
app.use(sqlscope(db));
app.use("/signups", users);

// docs:start two-keys
app.post("/users", async (req, res) => {
  const user = await getSession().selectOne<User>( // "db": SQLite
    "INSERT INTO users (email, name) VALUES (:email, :name) RETURNING *",
    req.body,
  );
  await getSession("events").execute(
    // "events": DuckDB
    "INSERT INTO events (type, subject) VALUES (?, ?)",
    ["user.created", user.email],
  );
  res.status(201).json(user); // leaves only after both committed
});
// docs:end
