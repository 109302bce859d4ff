import { describe } from "vitest";
import { setUpContext } from "./context.ts";
import { errorChecks } from "./errors.ts";
import { lifecycleChecks } from "./lifecycle.ts";
import { resolveConformance, type DriverConformanceOptions } from "./options.ts";
import { sessionStateChecks } from "./session-state.ts";
import { statementChecks } from "./statements.ts";
import { transactionChecks } from "./transactions.ts";
import { valueChecks } from "./values.ts";

/**
 * Registers the shared driver checks (vitest describe/it) against a real database, through a real
 * SQLScope and real scopes. Every driver package runs it from a ~10-line test file.
 *
 * @example
 * runDriverConformance({
 *   name: "sqlite",
 *   makeDriver: () => sqlite({ filename: join(dir, "conformance.db") }),
 *   capabilities: { savepoints: true, lastInsertId: true, returning: true },
 *   values: { integer: { expected: 42 }, bigint: { expected: 7 }, ... },
 * });
 */
export function runDriverConformance(options: DriverConformanceOptions): void {
  const resolved = resolveConformance(options);
  describe(`driver conformance: ${resolved.name}`, () => {
    const ctx = setUpContext(resolved);
    statementChecks(ctx);
    transactionChecks(ctx);
    lifecycleChecks(ctx);
    errorChecks(ctx);
    valueChecks(ctx, resolved.values);
    sessionStateChecks(resolved);
  });
}
