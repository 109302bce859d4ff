// The same app in CommonJS: require() of the ESM packages (Node >= 20.19).
const { createServer } = require("node:http");
const { SQLScope, getSession } = require("@sqlscope/core");
const { sqlite } = require("@sqlscope/sqlite");
const { sqlscope } = require("@sqlscope/express");
const express = require(process.argv[2] ?? "express");

const db = new SQLScope().add(sqlite({ filename: process.argv[3] ?? "app.db" }), { key: "db", commit: "autocommit" });
const app = express();
app.use(express.json());
app.use(sqlscope(db));
app.post("/users", async (req, res) => {
  res.status(201).json(await getSession().selectOne("INSERT INTO users (email) VALUES (:email) RETURNING *", req.body));
});
app.get("/users/:id", async (req, res) => {
  res.json(await getSession().selectOne("SELECT * FROM users WHERE id = ?", [Number(req.params.id)]));
});

db.runInScope(() =>
  getSession().execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)"),
).then(() => {
  const server = createServer(app).listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
  process.on("disconnect", () => server.close(() => void db.close()));
});
