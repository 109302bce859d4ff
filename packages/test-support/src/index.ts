// sqlscope's own test infrastructure (private, never published; users want @sqlscope/testing): throwaway
// database servers, the shared adapter suite, a fault proxy. It depends on no adapter, so every package
// can use it without a cycle (Express-based helpers live in the private @sqlscope/integration).
export * from "./servers/index.ts";
export * from "./adapter-suite/index.ts";
export { FaultProxy, type Fault, type FaultProxyStats } from "./fault-proxy.ts";
export { createTestDb, SCHEMA, eventually, deferred, type TestDb } from "./adapter-helpers.ts";
export { describeUsersApi, type RunningExample } from "./users-api-contract.ts";
