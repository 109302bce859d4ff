import type { SQLScope } from "@sqlscope/core";
import { afterEach, beforeEach } from "vitest";
import { rollbackPerTest, type RollbackPerTest } from "./hooks.ts";
import type { IsolateOptions } from "./isolate.ts";

/**
 * vitest: every test of the file (or of the describe block it is called in) runs in a transaction per
 * key that is rolled back after it, requests to the app included.
 *
 * @example
 * import { useRollbackPerTest } from "@sqlscope/testing/vitest";
 * useRollbackPerTest(db);
 * it("creates a user", async () => {
 *   expect((await fetch(`${url}/users`, { method: "POST", body })).status).toBe(201);
 * }); // the user is gone before the next test
 */
export function useRollbackPerTest(db: SQLScope | (() => SQLScope), options: IsolateOptions = {}): RollbackPerTest {
  return rollbackPerTest(db, { beforeEach: (fn) => beforeEach(fn), afterEach: (fn) => afterEach(fn) }, options);
}
