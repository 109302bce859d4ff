// What adapters and integrations (node-http, Express, Koa, Hono, Fastify, Kysely, Drizzle) need of a
// SQLScope beyond its app API, through its registered internals (see ../registry.ts): this works on a
// SQLScope made by another copy of core as well.
import type { Driver } from "../driver.ts";
import { INTERNALS, type Registry } from "../registry.ts";

/**
 * Reports `warning` through the SQLScope's onWarning (a commit failure the adapter answered, an error
 * its default responder hid from the client). A throwing handler is ignored.
 *
 * @example
 * reportWarning(db, report.error);
 */
export function reportWarning(db: Registry, warning: unknown): void {
  db[INTERNALS].warn(warning instanceof Error ? warning : new Error(String(warning)));
}

/**
 * The driver registered under `key` (the default key when omitted); UnknownKeyError for a key nobody
 * registered. Query builders read its name to pick their SQL flavour.
 *
 * @example
 * const flavor = driverOf(db, "db").name; // "sqlite", "postgres", "mysql", "duckdb"
 */
export function driverOf(db: Registry, key?: string): Driver {
  return db[INTERNALS].database(key ?? db.defaultKey).driver;
}
