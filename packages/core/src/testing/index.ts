/**
 * `@sqlscope/core/testing`: the shared driver conformance suite (vitest), and the seam a test
 * harness uses to stand in for a key's pool.
 *
 * @example
 * import { runDriverConformance } from "@sqlscope/core/testing";
 * runDriverConformance({ name: "sqlite", makeDriver: () => sqlite({ filename }), capabilities: { savepoints: true, lastInsertId: true, returning: true } });
 *
 * @module
 */
export { runDriverConformance } from "./conformance.ts";
export type { ConformanceCapabilities, ConformanceSql, DriverConformanceOptions } from "./options.ts";
export type { SessionStateCase, StateMode } from "./session-state-cases.ts";
export { replaceConnectionSource, connectionSourceOf, driverFor } from "./source-seam.ts";
export { RELEASED, type ConnectionSource, type Lease, type PoolStats } from "../connection-source.ts";
export {
  expectedDate,
  VALUE_TYPES,
  type ExpectedDate,
  type ValueCase,
  type ValueTable,
  type ValueType,
} from "./value-cases.ts";
