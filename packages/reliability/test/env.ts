import { SQLScope, type AddOptions, type PoolOptions } from "@sqlscope/core";
import type { StartedServer } from "@sqlscope/test-support";
import { startApp, type AppKind } from "../src/apps.ts";
import type { Backend } from "../src/backends/types.ts";
import { hooked } from "../src/hooked-driver.ts";
import { Ledger } from "../src/ledger.ts";
import { Rendezvous } from "../src/rendezvous.ts";
import type { RouteContext } from "../src/routes.ts";

/** One app over one backend, with everything a scenario needs to attack it and check it afterwards. */
export interface Env {
  readonly db: SQLScope;
  readonly app: StartedServer;
  readonly rendezvous: Rendezvous;
  readonly ledger: Ledger;
  /** Connect attempts the driver made (refused ones too). */
  connects(): number;
  /** Warnings sqlscope reported (commit failures it answered, rollbacks that failed on dead links). */
  readonly warnings: Error[];
  close(): Promise<void>;
}

export interface EnvOptions {
  readonly app: AppKind;
  /** Where the driver connects (a proxy URL); default the backend's own URL. */
  readonly url?: string;
  readonly pool?: Partial<PoolOptions>;
  readonly add?: AddOptions;
  /** Share one ledger between apps on the same database. */
  readonly ledger?: Ledger;
}

/** Starts an app on a fresh SQLScope whose driver is the backend's real driver with commit/connect hooks. */
export async function startEnv(backend: Backend, options: EnvOptions): Promise<Env> {
  const rendezvous = new Rendezvous();
  const commitPauses = new WeakMap<object, string>();
  const warnings: Error[] = [];
  let connects = 0;
  const driver = hooked(backend.driver(options.url), {
    onConnect: () => {
      connects++;
    },
    beforeCommit: (raw) => {
      const tag = typeof raw === "object" && raw !== null ? commitPauses.get(raw) : undefined;
      if (tag === undefined) return undefined;
      commitPauses.delete(raw as object);
      rendezvous.arrive(`commit:${tag}`);
      return rendezvous.wait(`commit:${tag}`);
    },
  });
  const db = new SQLScope({ onWarning: (w) => warnings.push(w), finishTimeoutMs: 5_000 }).add(driver, {
    commit: "autocommit",
    ...options.add,
    pool: {
      max: 4,
      acquireTimeoutMs: 2_000,
      validateAfterIdleMs: 100,
      validationTimeoutMs: 500,
      leakDetectionMs: 0,
      ...options.pool,
    },
  });
  const ctx: RouteContext = {
    backendIdSql: backend.backendIdSql,
    sleepSql: backend.sleepSql,
    rendezvous,
    commitPauses,
  };
  const app = await startApp(options.app, db, ctx);
  return {
    db,
    app,
    rendezvous,
    ledger: options.ledger ?? new Ledger(),
    connects: () => connects,
    warnings,
    async close() {
      rendezvous.releaseAll();
      await app.close();
      await db.close();
    },
  };
}
