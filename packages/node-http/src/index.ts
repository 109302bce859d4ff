export { withScope } from "./with-scope.ts";
export { attachScope, type RequestScope } from "./request-scope.ts";
export { statusForError, sendPlainError } from "./error-response.ts";
export { ResponseGate, type GateHooks, type Verdict } from "./response-gate.ts";
export type { NodeHandler, ErrorResponder, ScopeOptions } from "./types.ts";
