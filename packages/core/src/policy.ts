import { ConfigError } from "./errors.ts";
import type { Decision, Outcome } from "./outcome.ts";

/**
 * - `manual`: nothing automatic; statements run in the driver's autocommit unless you call begin() or
 *   transaction(); a transaction still open when the scope ends is rolled back and reported.
 * - `autocommit`: the first statement begins a transaction; commit on 2xx (or a resolved runInScope), else roll back.
 * - `autocommit-include-redirect`: as autocommit, and 3xx commits too.
 */
export type CommitMode = "manual" | "autocommit" | "autocommit-include-redirect";

export const COMMIT_MODES: readonly CommitMode[] = ["manual", "autocommit", "autocommit-include-redirect"];

export interface CommitPolicy {
  readonly mode: CommitMode;
  readonly extraCommitStatuses: ReadonlySet<number>;
  readonly extraRollbackStatuses: ReadonlySet<number>;
}

/**
 * The whole commit policy as a pure function. Extra commit statuses are checked before extra rollback
 * statuses, then the mode's default applies. Manual mode never commits on its own.
 *
 * @example
 * decide({ mode: "autocommit", extraCommitStatuses: new Set([409]), extraRollbackStatuses: new Set() }, { status: 409 }) // "commit"
 */
export function decide(policy: CommitPolicy, outcome: Outcome): Decision {
  if (policy.mode === "manual") return "rollback";
  if ("success" in outcome) return outcome.success ? "commit" : "rollback";
  const status = outcome.status;
  if (policy.extraCommitStatuses.has(status)) return "commit";
  if (policy.extraRollbackStatuses.has(status)) return "rollback";
  if (status >= 200 && status < 300) return "commit";
  if (status >= 300 && status < 400 && policy.mode === "autocommit-include-redirect") return "commit";
  return "rollback";
}

export interface PolicyOptions {
  commit?: CommitMode | undefined;
  extraCommitStatuses?: Iterable<number> | undefined;
  extraRollbackStatuses?: Iterable<number> | undefined;
}

/** Validates the options of `add()` into a policy; every mistake is a ConfigError that names the fix. */
export function makePolicy(key: string, options: PolicyOptions): CommitPolicy {
  const mode = options.commit ?? "manual";
  if (!COMMIT_MODES.includes(mode)) {
    throw new ConfigError(
      `Unknown commit mode "${String(mode)}" for "${key}". Use one of: ${COMMIT_MODES.map((m) => `"${m}"`).join(", ")}.`,
    );
  }
  const commit = statusSet(key, "extraCommitStatuses", options.extraCommitStatuses);
  const rollback = statusSet(key, "extraRollbackStatuses", options.extraRollbackStatuses);
  const both = [...commit].filter((s) => rollback.has(s));
  if (both.length > 0) {
    throw new ConfigError(
      `Status ${both.join(", ")} of "${key}" is in both extraCommitStatuses and extraRollbackStatuses; keep each status in one set.`,
    );
  }
  if (mode === "manual" && (commit.size > 0 || rollback.size > 0)) {
    throw new ConfigError(
      `"${key}" uses commit: "manual", which never commits by status, so extraCommitStatuses/extraRollbackStatuses would do nothing. ` +
        `Use commit: "autocommit" or drop the extra statuses.`,
    );
  }
  return { mode, extraCommitStatuses: commit, extraRollbackStatuses: rollback };
}

function statusSet(key: string, name: string, input: Iterable<number> | undefined): Set<number> {
  const set = new Set<number>();
  if (input === undefined) return set;
  for (const status of input) {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new ConfigError(
        `${name} of "${key}" holds ${String(status)}, which is not an HTTP status (an integer from 100 to 599).`,
      );
    }
    set.add(status);
  }
  return set;
}
