// A ten-line Express + SQLite app as a user writes it, in plain JavaScript: run with plain `node`.
// argv[2] names the express package to use ("express" for 5, "express4" for 4); it listens on a free
// port, and the pack test POSTs a user (committed before the 201 leaves) and GETs it back.
import { createServer } from "node:http";
import { SQLScope, getSession } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";
import { sqlscope } from "@sqlscope/express";

const { default: express } = await import(process.argv[2] ?? "express");
const db = new SQLScope().add(sqlite({ filename: process.argv[3] ?? "app.db" }), { key: "db", commit: "autocommit" });
await db.runInScope(() =>
  getSession().execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)"),
);

const app = express();
app.use(express.json());
app.use(sqlscope(db));
app.post("/users", async (req, res) => {
  res.status(201).json(await getSession().selectOne("INSERT INTO users (email) VALUES (:email) RETURNING *", req.body));
});
app.get("/users/:id", async (req, res) => {
  res.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [Number(req.params.id)]));
});

const server = createServer(app).listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("disconnect", () => server.close(() => void db.close()));
