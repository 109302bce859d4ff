// The users routes: they find the request's session with getSession(), whichever SQLScope built the app.
import { Router } from "express";
import { getSession } from "@sqlscope/core";

export const users = Router();

users.get("/", async (_req, res) => {
  res.json(await getSession().select("SELECT * FROM users ORDER BY id"));
});

users.get("/:id", async (req, res) => {
  res.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [req.params.id]));
});

users.post("/", async (req, res) => {
  const { email } = req.body as { email: string };
  const { lastInsertId } = await getSession().execute("INSERT INTO users (email) VALUES (?)", [email]);
  res.status(201).json({ id: lastInsertId, email });
});
