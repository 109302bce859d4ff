// Two real copies of @sqlscope/core on disk, as npm leaves them when two versions are needed: the app
// registers the database and the middleware with the top-level copy, and a library ("acme-repo", with
// its own nested copy) calls getSession(). Both must meet in one scope store.
import { createServer } from "node:http";
import express from "express";
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { sqlscope } from "@sqlscope/express";
import { insertUser, whereIsCore } from "acme-repo";
import { fileURLToPath } from "node:url";

const ownCore = fileURLToPath(import.meta.resolve("@sqlscope/core"));
if (whereIsCore() === ownCore)
  throw new Error(`acme-repo resolved the same copy of core (${ownCore}); the test needs two`);

const db = new SQLScope().add(sqlite({ filename: process.argv[2] ?? "copies.db" }), {
  key: "db",
  commit: "autocommit",
});
await db.runInScope(() =>
  db.getSession().execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)"),
);
const app = express();
app.use(express.json());
app.use(sqlscope(db));
app.post("/users", async (req, res) => res.status(201).json(await insertUser(req.body.email)));
app.get("/users/:id", async (req, res) => {
  res.json(await db.getSession().selectOne("SELECT * FROM users WHERE id = ?", [Number(req.params.id)]));
});
const server = createServer(app).listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("disconnect", () => server.close(() => void db.close()));
