import { HookError, messageOf } from "./errors.ts";
import type { Outcome, ScopeResult } from "./outcome.ts";
import { decide, type CommitPolicy } from "./policy.ts";

export type HookKind = "commit" | "rollback";

/** A function run after the scope's transactions ended. It runs outside the finished scope. */
export type Hook = () => unknown;

export interface RegisteredHook {
  readonly kind: HookKind;
  readonly fn: Hook;
}

/**
 * Per-scope semantics: afterCommit hooks run when the scope committed as a whole, that is every
 * session that had a transaction committed and no commit failed; afterRollback hooks run otherwise.
 * A scope that ended with no open transaction (no database work, or manual mode that committed by
 * itself) goes by its outcome as the default key's policy reads it (manual keys: 2xx or resolved).
 */
export function hookKindFor(result: ScopeResult, outcome: Outcome, policy: CommitPolicy | undefined): HookKind {
  if (result !== "none") return result;
  if (policy === undefined) return "success" in outcome && outcome.success ? "commit" : "rollback";
  const effective: CommitPolicy = policy.mode === "manual" ? { ...policy, mode: "autocommit" } : policy;
  return decide(effective, outcome);
}

/**
 * Awaits the hooks of `kind` one after the other, in registration order. A hook that throws, rejects
 * or outlives `timeoutMs` is reported through `warn` and the next one runs: a hook never changes the
 * outcome the client sees. Never rejects.
 */
export async function runHooks(
  hooks: readonly RegisteredHook[],
  kind: HookKind,
  timeoutMs: number,
  warn: (warning: Error) => void,
  runOutside: <T>(fn: () => T) => T,
): Promise<void> {
  const name = kind === "commit" ? "afterCommit" : "afterRollback";
  for (const hook of hooks) {
    if (hook.kind !== kind) continue;
    try {
      const value = runOutside(hook.fn);
      if (isThenable(value)) await within(value, timeoutMs, name);
    } catch (error) {
      warn(
        error instanceof HookError
          ? error
          : new HookError(
              `An ${name} hook failed: ${messageOf(error)}. The scope's outcome stands; the remaining hooks ran.`,
              error,
            ),
      );
    }
  }
}

function within(value: PromiseLike<unknown>, ms: number, name: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HookError(
            `An ${name} hook was still running after ${ms} ms (finishTimeoutMs), so the response was released without it. ` +
              "Move slow work to a queue, or raise finishTimeoutMs.",
          ),
        ),
      ms,
    );
  });
  return Promise.race([Promise.resolve(value), deadline]).finally(() => clearTimeout(timer));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
