// One benchmark server process: builds one framework x driver x variant app, listens on 127.0.0.1,
// and answers the harness's IPC questions (CPU time, memory). Started by bench/src/servers.ts.
import { writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { Session as InspectorSession } from "node:inspector";
import type { AddressInfo } from "node:net";
import type { SQLScope } from "@sqlscope/core";
import type { DbTarget, Framework, Handlers, ServerConfig, ServerMessage, ServerRequest } from "./config.ts";
import type { BuildServer } from "./frameworks/common.ts";
import { makePeer, type Peer } from "./peer.ts";

async function rawHandlers(db: DbTarget, poolMax: number): Promise<Handlers> {
  switch (db.kind) {
    case "sqlite":
      return (await import("./raw/sqlite.ts")).sqliteRaw(db.file);
    case "postgres":
      return (await import("./raw/postgres.ts")).postgresRaw(db.url, poolMax);
    case "mysql":
      return (await import("./raw/mysql.ts")).mysqlRaw(db.url, poolMax);
    case "duckdb":
      return (await import("./raw/duckdb.ts")).duckdbRaw(db.file, poolMax);
  }
}

async function builder(framework: Framework): Promise<BuildServer> {
  switch (framework) {
    case "node-http":
      return (await import("./frameworks/node-http.ts")).buildNodeHttp;
    case "express":
      return (await import("./frameworks/express.ts")).buildExpress;
    case "koa":
      return (await import("./frameworks/koa.ts")).buildKoa;
    case "hono":
      return (await import("./frameworks/hono.ts")).buildHono;
    case "fastify":
      return (await import("./frameworks/fastify.ts")).buildFastify;
  }
}

function reply(message: ServerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "") as ServerConfig;
  let handlers: Handlers;
  let registry: SQLScope | undefined;
  let peer: Peer<unknown> | undefined;
  switch (config.variant) {
    case "B1":
    case "B1a":
      handlers = await rawHandlers(config.db, config.poolMax);
      break;
    case "L": {
      const { sqlscopeRegistry, sqlscopeHandlers } = await import("./sqlscope-handlers.ts");
      registry = await sqlscopeRegistry(config.db, config.poolMax, config.lPool);
      handlers = sqlscopeHandlers(registry);
      break;
    }
    case "P": {
      peer = await makePeer(config.db, config.poolMax);
      if (peer === undefined) throw new Error(`the peer has no ${config.db.kind} dialect`);
      handlers = peer.handlers;
      break;
    }
    case "M": {
      peer = await (await import("./mikro-peer.ts")).makeMikroPeer(config.db, config.poolMax);
      if (peer === undefined) throw new Error(`the MikroORM peer is not measured on ${config.db.kind}`);
      handlers = peer.handlers;
      break;
    }
    case "LK": {
      const { sqlscopeRegistry } = await import("./sqlscope-handlers.ts");
      registry = await sqlscopeRegistry(config.db, config.poolMax, config.lPool);
      handlers = (await import("./kysely-handlers.ts")).kyselyOnSqlscope(registry);
      break;
    }
    case "K":
      handlers = await (await import("./kysely-handlers.ts")).kyselyAlone(config.db, config.poolMax);
      break;
  }
  const build = await builder(config.framework);
  const server: Server = await build({
    // LK mounts L's middleware; K mounts nothing, as B1; M mounts the peer's, as P.
    variant:
      config.variant === "LK" ? "L" : config.variant === "K" ? "B1" : config.variant === "M" ? "P" : config.variant,
    handlers,
    ...(registry === undefined ? {} : { registry }),
    ...(peer === undefined ? {} : { peer }),
  });
  // Keep-alive connections from the load generator must outlive short pauses between runs.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  // Profiling over the inspector covers only the window the harness asks for, not start-up.
  let inspector: InspectorSession | undefined;
  process.on("message", (message: ServerRequest) => {
    if (message.type === "stats") {
      if (message.gc === true) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      reply({ type: "stats", cpuMicros: cpu.user + cpu.system, rss: memory.rss, heapUsed: memory.heapUsed });
    } else if (message.type === "profile-start") {
      inspector ??= new InspectorSession();
      const session = inspector;
      session.connect();
      if (message.kind === "heap") {
        // Every sampled allocation, also those already collected: what a request allocates, not what it keeps.
        const sampling = {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        };
        session.post("HeapProfiler.enable", () =>
          session.post("HeapProfiler.startSampling", sampling, (error) =>
            reply(error === null ? { type: "profiled" } : { type: "profiled", error: error.message }),
          ),
        );
      } else {
        session.post("Profiler.enable", () => session.post("Profiler.start", () => reply({ type: "profiled" })));
      }
    } else if (message.type === "profile-stop") {
      const session = inspector;
      const done = (error: Error | null, profile: unknown) => {
        if (error === null) writeFileSync(message.file, JSON.stringify(profile));
        session?.disconnect();
        reply(error === null ? { type: "profiled" } : { type: "profiled", error: error.message });
      };
      if (message.kind === "heap")
        session?.post("HeapProfiler.stopSampling", (error, result) => done(error, result.profile));
      else session?.post("Profiler.stop", (error, result) => done(error, result.profile));
    } else if (message.type === "stop") {
      server.closeAllConnections();
      server.close();
      // A driver that hangs on close must not keep the harness waiting: exit regardless.
      const exit = setTimeout(() => process.exit(0), 2_000);
      handlers.close().then(
        () => process.exit(0),
        () => process.exit(0),
      );
      exit.unref();
    }
  });
  reply({ type: "ready", port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  reply({ type: "fatal", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
