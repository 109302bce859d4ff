import type { Driver, DriverConnection } from "@sqlscope/core/driver";

/** What a test can do to a real driver from the inside. */
export interface DriverHooks {
  /**
   * Called before every COMMIT with the driver library's own connection object; a returned promise
   * holds the COMMIT back until it settles (the window "after the last statement, before COMMIT").
   */
  beforeCommit?(raw: unknown): Promise<void> | undefined;
  /** Called at every connect attempt (a refused one too). */
  onConnect?(): void;
}

/**
 * The real driver with hooks around connect and commit; every statement still goes to the server.
 *
 * @example
 * const driver = hooked(backend.driver(), { beforeCommit: (raw) => pauses.get(raw) });
 */
export function hooked(driver: Driver, hooks: DriverHooks): Driver {
  return {
    name: driver.name,
    dialect: driver.dialect,
    ...(driver.pool === undefined ? {} : { pool: driver.pool }),
    classifyError: (error) => driver.classifyError(error),
    close: async () => driver.close?.(),
    connect: async () => {
      hooks.onConnect?.();
      const conn = await driver.connect();
      if (hooks.beforeCommit === undefined) return conn;
      const before = hooks.beforeCommit.bind(hooks);
      return new Proxy(conn, {
        get(target, prop) {
          if (prop === "commit") {
            return async () => {
              await before(target.raw);
              await target.commit();
            };
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) satisfies DriverConnection;
    },
  };
}
