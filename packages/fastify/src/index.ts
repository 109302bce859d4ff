export { sqlscope, type FastifySQLScopeOptions } from "./plugin.ts";
