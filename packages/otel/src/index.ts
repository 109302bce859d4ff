export { instrumentSqlscope, type SqlscopeInstrumentation, type SqlscopeInstrumentationOptions } from "./instrument.ts";
export { dbSystem, operationOf } from "./attributes.ts";
