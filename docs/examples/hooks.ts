import { randomUUID } from "node:crypto";
import { afterCommit, afterRollback, getSession } from "@sqlscope/core";
import express, { type Express } from "express";

export interface Mailer {
  sendWelcome(email: string): Promise<void>;
}

export interface Uploads {
  put(name: string, data: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Sign-up: the welcome mail goes out only for a user that was committed. */
export function signupRoutes(app: Express, mailer: Mailer, uploads: Uploads): void {
  app.post("/signup", express.json(), async (req, res) => {
    const { email, avatar } = req.body as { email: string; avatar: string };
    // Outside the database, so undone by us if the transaction does not make it.
    const file = `avatars/${randomUUID()}.png`;
    await uploads.put(file, avatar);
    afterRollback(() => uploads.delete(file));
    await getSession().execute("INSERT INTO users (email, avatar) VALUES (?, ?)", [email, file]); // throws for a duplicate
    // Awaited after COMMIT, before the 201 reaches the client; never runs for a rolled-back user.
    afterCommit(() => mailer.sendWelcome(email));
    res.status(201).json({ email });
  });
}
