// A TypeScript consumer of every public entry point, type-checked (never run) with the settings users
// have: module/moduleResolution node16 and bundler, strict on and off, skipLibCheck false.
import express, { type Request, type Response } from "express";
import { Hono } from "hono";
import Fastify from "fastify";
import { trace } from "@opentelemetry/api";
import { SQLScope, getSession, runInScope, sql, NotFoundError, type QueryResult, type Session } from "@sqlscope/core";
import type { Driver, DriverConnection } from "@sqlscope/core/driver";
import type { Scope } from "@sqlscope/core/adapter";
import { runDriverConformance } from "@sqlscope/core/testing";
import { sqlite } from "@sqlscope/sqlite";
import { postgres } from "@sqlscope/postgres";
import { mysql } from "@sqlscope/mysql";
import { duckdb } from "@sqlscope/duckdb";
import { withScope } from "@sqlscope/node-http";
import { sqlscope as expressScope } from "@sqlscope/express";
import { sqlscope as koaScope } from "@sqlscope/koa";
import { sqlscope as honoScope, type SQLScopeEnv } from "@sqlscope/hono";
import { sqlscope as fastifyScope } from "@sqlscope/fastify";
import { instrumentSqlscope } from "@sqlscope/otel";
import { isolate } from "@sqlscope/testing";
import { useRollbackPerTest } from "@sqlscope/testing/vitest";
import { useRollbackPerTest as useRollbackPerNodeTest } from "@sqlscope/testing/node-test";

interface User {
  id: number;
  email: string;
}

export const db = new SQLScope()
  .add(sqlite({ filename: "app.db" }), { key: "db", commit: "autocommit" })
  .add(postgres({ connectionString: "postgres://localhost/app" }), { key: "pg", commit: "autocommit" })
  .add(mysql({ uri: "mysql://localhost/app" }), { key: "my" })
  .add(duckdb({ path: "events.duckdb" }), { key: "events", commit: "autocommit" });

export async function findUser(id: number): Promise<User> {
  const s: Session = getSession();
  const user = await s.selectOne<User>(sql`SELECT * FROM users WHERE id = ${id}`);
  const result: QueryResult = await s.execute("UPDATE users SET seen = 1 WHERE id = ?", [id]);
  return result.rowsAffected > 0 ? user : Promise.reject(new NotFoundError("users"));
}

const app = express();
app.use(expressScope(db));
app.get("/users/:id", async (req: Request, res: Response) => {
  res.json(await findUser(Number(req.params.id)));
});

// Koa 3 ships no types (and @types/koa does not compile with skipLibCheck false): the middleware alone.
export const koaMiddleware = koaScope(db);
new Hono<SQLScopeEnv>().use(honoScope(db));
void Fastify().register(fastifyScope, { db });
export const handler = withScope(db, (_req, res) => {
  res.end("ok");
});
export const instrumentation = instrumentSqlscope({ tracerProvider: trace.getTracerProvider() });
export const jobs = runInScope(async () => (await getSession().selectValue<number>("SELECT 1")) + 1);

export type DriverTypes = [Driver, DriverConnection, Scope | undefined];
export const suites = [runDriverConformance, isolate, useRollbackPerTest, useRollbackPerNodeTest];
