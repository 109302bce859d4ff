import { ConstraintError, getSession, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { logScopes } from "./log-scopes.ts";

/** A small notes API whose every request is logged with its scope's figures. */
export function createApp(db: SQLScope, logger: Logger): Express {
  const app = express();
  app.use(sqlscope(db), logScopes(logger));
  app.use(express.json());

  app.get("/health", (_req, res) => {
    res.json({ ok: true }); // touches no database: no connection, no transaction
  });

  app.get("/notes", async (_req, res) => {
    res.json(await getSession().select("SELECT id, title, body FROM notes ORDER BY id"));
  });

  app.post("/notes", async (req, res) => {
    const { title, body = "" } = req.body as { title?: string; body?: string };
    if (typeof title !== "string" || title === "") {
      res.status(400).json({ error: "title is required" });
      return;
    }
    try {
      const { lastInsertId } = await getSession().execute("INSERT INTO notes (title, body) VALUES (?, ?)", [
        title,
        body,
      ]);
      res.status(201).json({ id: Number(lastInsertId), title, body });
    } catch (error) {
      if (error instanceof ConstraintError && error.constraint === "unique") {
        res.status(409).json({ error: `a note titled "${title}" exists` });
        return;
      }
      throw error;
    }
  });

  return app;
}
