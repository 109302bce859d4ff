export { postgres } from "./driver.ts";
export type { PostgresOptions } from "./options.ts";
export { PostgresConnection } from "./connection.ts";
export { classifyPostgresError } from "./classify.ts";
