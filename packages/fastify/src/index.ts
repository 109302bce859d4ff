export { sqlscope, type FastifySQLScopeOptions } from "./plugin.ts";
export { sqlscopeErrors } from "./errors.ts";
