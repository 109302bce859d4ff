export { runDriverConformance } from "./conformance.ts";
export type { ConformanceCapabilities, ConformanceSql, DriverConformanceOptions } from "./options.ts";
export type { SessionStateCase, StateMode } from "./session-state-cases.ts";
