// app.ts
import express from "express";
import { getSession } from "@sqlscope/core";
import { sqlscope, sqlscopeErrors } from "@sqlscope/express";
import { db } from "./db.ts";

export const app = express();
app.use(express.json());
app.use(sqlscope(db)); // before the routes that use getSession()

app.get("/users/:id", async (req, res) => {
  res.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [req.params.id]));
});

app.post("/users", async (req, res) => {
  const { lastInsertId } = await getSession().execute(
    "INSERT INTO users (email, name) VALUES (:email, :name)",
    req.body,
  );
  res.status(201).json({ id: lastInsertId });
});

// After the routes: no such user (selectOne) is a 404, a taken email a 409, a busy pool a 503.
app.use(sqlscopeErrors(db));
