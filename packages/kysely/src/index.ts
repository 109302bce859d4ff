export { sqlscopeDialect, type SQLScopeDialectOptions, type KyselyFlavor } from "./dialect.ts";
export { SQLScopeDriver } from "./driver.ts";
