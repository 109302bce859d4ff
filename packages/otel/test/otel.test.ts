import express from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { getSession, SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/express";
import { sqlite } from "@sqlscope/sqlite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instrumentSqlscope, operationOf, type SqlscopeInstrumentation } from "../src/index.ts";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
const contextManager = new AsyncLocalStorageContextManager();

let dir: string;
let db: SQLScope;
let otel: SqlscopeInstrumentation | undefined;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlscope-otel-"));
  db = new SQLScope({ onWarning: () => undefined }).add(sqlite({ filename: join(dir, "app.db") }), {
    commit: "autocommit",
  });
  await db.runInScope(() =>
    getSession().executeScript("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)"),
  );
  exporter.reset();
});
afterEach(async () => {
  otel?.disable();
  otel = undefined;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentId = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;

describe("@sqlscope/otel with the SDK's in-memory exporter", () => {
  it("a scope span under the caller's span, with statement, acquire and commit spans under it", async () => {
    otel = instrumentSqlscope({ tracerProvider: provider });
    await tracer.startActiveSpan("nightly job", async (job) => {
      await db.runInScope(async () => {
        await getSession().execute("INSERT INTO users (email) VALUES (?)", ["a@x"]);
        await getSession().select("/* list */ SELECT * FROM users");
      });
      job.end();
    });
    const [job] = byName("nightly job");
    const [scope] = byName("sqlscope.scope");
    expect(parentId(scope)).toBe(job?.spanContext().spanId);
    expect(scope?.attributes).toMatchObject({
      "sqlscope.result": "commit",
      "sqlscope.statements": 2,
      "sqlscope.keys": ["db"],
    });
    expect(scope?.status.code).toBe(SpanStatusCode.UNSET);
    expect(scope?.events.map((e) => e.name)).toEqual(["sqlscope.release"]);
    const children = exporter.getFinishedSpans().filter((s) => parentId(s) === scope?.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual(["sqlscope.acquire", "INSERT", "SELECT", "COMMIT"]);
    expect(children[1]?.attributes).toMatchObject({
      "db.system.name": "sqlite",
      "db.operation.name": "INSERT",
      "db.query.text": "INSERT INTO users (email) VALUES (?)",
      "sqlscope.rows_affected": 1,
    });
    expect(children[2]?.attributes["db.response.returned_rows"]).toBe(1);
    // Spans built from end events still nest in time inside the scope span.
    for (const child of children) {
      expect(hrMs(child.startTime)).toBeGreaterThanOrEqual(hrMs(scope?.startTime ?? [0, 0]) - 1);
      expect(hrMs(child.endTime)).toBeLessThanOrEqual(hrMs(scope?.endTime ?? [0, 0]) + 1);
    }
  });

  it("a failed statement and a rolled-back scope are errors; disable() stops all spans", async () => {
    otel = instrumentSqlscope({ tracerProvider: provider, queryText: false });
    await db.runInScope(() => getSession().execute("INSERT INTO users (email) VALUES (NULL)")).catch(() => undefined);
    const [insert] = byName("INSERT");
    expect(insert?.status.code).toBe(SpanStatusCode.ERROR);
    expect(insert?.attributes["error.type"]).toBe("ERR_SQLSCOPE_CONSTRAINT");
    expect(insert?.attributes["db.query.text"]).toBeUndefined();
    expect(byName("ROLLBACK")).toHaveLength(1);
    expect(byName("sqlscope.scope")[0]?.attributes["sqlscope.result"]).toBe("rollback");

    otel.disable();
    exporter.reset();
    await db.runInScope(() => getSession().select("SELECT 1"));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("records no parameter value, even where the database repeats one in its message, unless errorMessages is on", async () => {
    const secret = "secret-4711@example.com";
    const spansOf = async (registry: SQLScope) => {
      exporter.reset();
      await registry
        .runInScope(async () => {
          // SQLite puts the value into its message here, as PostgreSQL, MySQL and DuckDB do for bad input or duplicates.
          await getSession().execute(
            "CREATE TRIGGER IF NOT EXISTS no_secrets BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'rejected: ' || NEW.email); END",
          );
          await getSession().execute("INSERT INTO users (email) VALUES (?)", [secret]);
        })
        .catch(() => undefined);
      return JSON.stringify(
        exporter.getFinishedSpans().map((s) => ({ attributes: s.attributes, status: s.status, events: s.events })),
      );
    };
    otel = instrumentSqlscope({ tracerProvider: provider });
    const redacted = await spansOf(db);
    expect(redacted).toContain("ERR_SQLSCOPE_CONSTRAINT");
    expect(redacted).toContain("withheld");
    expect(redacted).not.toContain(secret);

    const verbose = new SQLScope({ onWarning: () => undefined, diagnostics: { errorMessages: true } }).add(
      sqlite({ filename: join(dir, "app.db") }),
    );
    try {
      expect(await spansOf(verbose)).toContain(secret);
    } finally {
      await verbose.close();
    }
  });

  it("through Express over HTTP: the scope span carries the response status", async () => {
    otel = instrumentSqlscope({ tracerProvider: provider });
    const app = express();
    app.use(sqlscope(db));
    app.post("/users/:email", async (req, res) => {
      await getSession().execute("INSERT INTO users (email) VALUES (?)", [req.params.email]);
      res.status(201).end();
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${url}/users/a@x`, { method: "POST" })).status).toBe(201);
      expect((await fetch(`${url}/users/a@x`, { method: "POST" })).status).toBe(500); // unique violation
    } finally {
      await close(server);
    }
    const scopes = byName("sqlscope.scope");
    expect(scopes.map((s) => [s.attributes["http.response.status_code"], s.attributes["sqlscope.result"]])).toEqual([
      [201, "commit"],
      [500, "rollback"],
    ]);
  });

  it("names spans by the statement's first keyword, past comments", () => {
    expect(operationOf("  -- note\n /* x */ (select 1)")).toBe("SELECT");
    expect(operationOf("WITH x AS (SELECT 1) SELECT * FROM x")).toBe("WITH");
    expect(operationOf("   ")).toBeUndefined();
  });
});

function hrMs([s, ns]: [number, number]): number {
  return s * 1000 + ns / 1e6;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
