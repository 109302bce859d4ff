export { sqlite, sqliteDialect } from "./driver.ts";
export { classifyError } from "./classify.ts";
export { SqliteConnection } from "./connection.ts";
export { WriteGate } from "./write-gate.ts";
export type { SqliteOptions } from "./options.ts";
