import type { SQLScope } from "@sqlscope/core";
import { sqlscopeDialect } from "@sqlscope/kysely";
import { Kysely } from "kysely";
import type { DbTarget, Handlers } from "./config.ts";
import { kyselyDialect, kyselyRoutes, type Schema } from "./peer.ts";

/** LK: P's Kysely routes on the request's sqlscope session; the registry and L's middleware settle them. */
export function kyselyOnSqlscope(registry: SQLScope): Handlers {
  const kysely = new Kysely<Schema>({ dialect: sqlscopeDialect(registry) });
  return kyselyRoutes(
    () => kysely,
    async () => {
      await registry.close();
    },
  );
}

/** K: the same routes on Kysely alone (its own pool, each statement in autocommit, no request transaction). */
export async function kyselyAlone(db: DbTarget, poolMax: number): Promise<Handlers> {
  const dialect = await kyselyDialect(db, poolMax);
  if (dialect === undefined) throw new Error(`Kysely has no ${db.kind} dialect`);
  const kysely = new Kysely<Schema>({ dialect });
  return kyselyRoutes(
    () => kysely,
    () => kysely.destroy(),
  );
}
