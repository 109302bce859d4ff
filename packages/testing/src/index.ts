export { isolate, Isolation, type IsolateOptions } from "./isolate.ts";
export { rollbackPerTest, type RollbackPerTest, type TestHooks } from "./hooks.ts";
export type { TurnStats } from "./shared-connection.ts";
export {
  TurnTimeoutError,
  IsolationEndedError,
  IsolationLeakError,
  AlreadyIsolatedError,
  IsolationBrokenError,
} from "./errors.ts";
