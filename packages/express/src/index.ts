export { sqlscope, type ExpressScopeOptions } from "./middleware.ts";
export { sqlscopeErrors } from "./errors.ts";
export { statusForError } from "@sqlscope/core/adapter";
