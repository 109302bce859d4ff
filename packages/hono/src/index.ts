export { sqlscope, type SQLScopeEnv, type HonoSQLScopeOptions } from "./middleware.ts";
