// testing.md: the forms of useRollbackPerTest (each alone registers the hooks; pick one per file).
import type { SQLScope } from "@sqlscope/core";
import { useRollbackPerTest } from "@sqlscope/testing/vitest";

/** Registers one of the forms; `form` picks which. Call at the top of a test file or in a describe. */
export function register(db: SQLScope, form: "value" | "getter" | "handle") {
  if (form === "value") {
    // docs:start value
    useRollbackPerTest(db); // isolates in beforeEach, rolls back in afterEach
    // docs:end
  } else if (form === "getter") {
    // docs:start getter
    useRollbackPerTest(() => db); // when db is created in a beforeAll hook
    // docs:end
  } else {
    // docs:start handle
    const t = useRollbackPerTest(db); // t.current is the running test's Isolation (t.current.stats())
    // docs:end
    return t;
  }
  return undefined;
}
