// Shared test infrastructure (private package). Each part is exported from its own file below.
export {};
export * from "./servers/index.ts";
export * from "./adapter-suite/index.ts";
export { FaultProxy, type Fault, type FaultProxyStats } from "./fault-proxy.ts";
export { createTestDb, SCHEMA, eventually, deferred, type TestDb } from "./adapter-helpers.ts";
export { describeUsersApi, type RunningExample } from "./users-api-contract.ts";
