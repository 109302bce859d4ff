export { runDriverConformance } from "./conformance.ts";
export type { ConformanceCapabilities, ConformanceSql, DriverConformanceOptions } from "./options.ts";
export type { SessionStateCase, StateMode } from "./session-state-cases.ts";
export { expectedDate, VALUE_TYPES, type ExpectedDate, type ValueCase, type ValueTable, type ValueType } from "./value-cases.ts";
