// migration.md, after: the same API with sqlscope; helpers find the request's session themselves.
import express from "express";
import { SQLScope, getSession } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { postgres } from "@sqlscope/postgres";
import type { OrderInput } from "./before.ts";

/** The orders API on the PostgreSQL at `connectionString`; close `db` when done. */
export function createApp(connectionString: string): { app: express.Express; db: SQLScope } {
  const app = express();
  app.use(express.json());
  // docs:start after
  const db = new SQLScope().add(postgres({ connectionString }), { commit: "autocommit" });
  app.use(sqlscope(db));

  app.post("/orders", async (req, res) => {
    await createOrder(req.body); // helpers call getSession() themselves
    res.status(201).end(); // sent only after COMMIT succeeded
  });

  async function createOrder(input: OrderInput) {
    await getSession().execute("INSERT INTO orders (customer, total) VALUES (:customer, :total)", input);
  }
  // docs:end
  return { app, db };
}
