export { withScope } from "./with-scope.ts";
export { attachScope, type RequestScope } from "./request-scope.ts";
export { sendPlainError, sqlscopeErrors } from "./error-response.ts";
export { statusForError } from "@sqlscope/core/adapter";
export { hookPrototypes } from "./hook-prototypes.ts";
export type { HookedPrototypes } from "./hooks/protocol.ts";
export type { NodeHandler, ErrorResponder, ScopeOptions, AttachOptions } from "./types.ts";
