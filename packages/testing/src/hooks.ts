import { NoScopeError, type SQLScope } from "@sqlscope/core";
import { isolate, type Isolation, type IsolateOptions } from "./isolate.ts";

/** The two hooks every test runner has (vitest, node:test, jest, mocha). */
export interface TestHooks {
  beforeEach(fn: () => Promise<void>): unknown;
  afterEach(fn: () => Promise<void>): unknown;
}

/** What rollbackPerTest() returns: the running test's isolation. */
export interface RollbackPerTest {
  /** The isolation of the test that is running; throws between tests. */
  readonly current: Isolation;
}

/**
 * Isolates `db` before each test and rolls it back after, through the runner's own hooks. `db` may be
 * a function when the SQLScope is created in a beforeAll hook. For vitest and node:test use the
 * `useRollbackPerTest` of "@sqlscope/testing/vitest" or "@sqlscope/testing/node-test".
 *
 * @example
 * import { afterEach, beforeEach } from "mocha";
 * rollbackPerTest(db, { beforeEach, afterEach });
 */
export function rollbackPerTest(
  db: SQLScope | (() => SQLScope),
  hooks: TestHooks,
  options: IsolateOptions = {},
): RollbackPerTest {
  let current: Isolation | undefined;
  hooks.beforeEach(async () => {
    current = await isolate(typeof db === "function" ? db() : db, options);
  });
  hooks.afterEach(async () => {
    const ending = current;
    current = undefined;
    await ending?.rollback();
  });
  return {
    get current(): Isolation {
      if (current === undefined) {
        throw new NoScopeError(
          "rollbackPerTest().current was read outside a test: the isolation exists only between beforeEach and afterEach.",
        );
      }
      return current;
    },
  };
}
