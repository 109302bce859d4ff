export { mysql } from "./driver.ts";
export type { MysqlOptions, SessionValue } from "./options.ts";
export { MysqlConnection } from "./connection.ts";
export { classifyMysqlError } from "./classify.ts";
export { interpolate, splitStatements } from "./sql-text.ts";
