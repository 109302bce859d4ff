export { runDriverConformance } from "./conformance.ts";
export type { ConformanceCapabilities, ConformanceSql, DriverConformanceOptions } from "./options.ts";
