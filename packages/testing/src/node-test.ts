import { afterEach, beforeEach } from "node:test";
import type { SQLScope } from "@sqlscope/core";
import { rollbackPerTest, type RollbackPerTest } from "./hooks.ts";
import type { IsolateOptions } from "./isolate.ts";

/**
 * node:test: every test of the file (or of the describe block it is called in) runs in a transaction
 * per key that is rolled back after it, requests to the app included.
 *
 * @example
 * import { useRollbackPerTest } from "@sqlscope/testing/node-test";
 * useRollbackPerTest(db);
 * test("creates a user", async () => {
 *   assert.equal((await fetch(`${url}/users`, { method: "POST", body })).status, 201);
 * });
 */
export function useRollbackPerTest(db: SQLScope | (() => SQLScope), options: IsolateOptions = {}): RollbackPerTest {
  return rollbackPerTest(db, { beforeEach: (fn) => beforeEach(fn), afterEach: (fn) => afterEach(fn) }, options);
}
