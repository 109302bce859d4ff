// Type tests, checked by tsc (never run): the plugin's options.
import { expectTypeOf } from "vitest";
import Fastify from "fastify";
import type { SQLScope } from "@sqlscope/core";
import { sqlscope, type FastifySQLScopeOptions } from "../src/index.ts";

declare const db: SQLScope;
const app = Fastify();
void app.register(sqlscope, { db });
expectTypeOf<FastifySQLScopeOptions>().toHaveProperty("db").toEqualTypeOf<SQLScope>();
// @ts-expect-error the plugin needs the SQLScope
void app.register(sqlscope, {});

// The intent option sees Fastify's request.
Fastify().register(sqlscope, { db, intent: (request) => (request.routeOptions.url === "/visits" ? "write" : "read") });
