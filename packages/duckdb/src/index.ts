export { duckdb } from "./driver.ts";
export type { DuckDBOptions } from "./options.ts";
export { DuckDBDriverConnection } from "./connection.ts";
export { classifyDuckDBError } from "./classify.ts";
export { instanceRefs, instanceKey } from "./instances.ts";
