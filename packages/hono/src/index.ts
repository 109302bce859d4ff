export { sqlscope, type SQLScopeEnv, type HonoSQLScopeOptions } from "./middleware.ts";
export { sqlscopeErrors } from "./errors.ts";
