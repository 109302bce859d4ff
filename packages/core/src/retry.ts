import { channels } from "./channels.ts";
import { publishedError } from "./redact.ts";
import { CommitFailedError, ConfigError, ConnectionError, SerializationError } from "./errors.ts";

/** How runInScope(fn, { retry }) re-runs a scope that failed with a retryable error. */
export interface RetryOptions {
  /** Runs at most, the first included (default 3). */
  attempts?: number;
  /** Wait before the second run; doubles each time, with jitter (default 20 ms). */
  backoffMs?: number;
  /** The wait never exceeds this (default 1000 ms). */
  maxBackoffMs?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** A number is the attempt count. Every mistake is a ConfigError naming the fix. */
export function retryPolicy(retry: number | RetryOptions): RetryPolicy {
  const options = typeof retry === "number" ? { attempts: retry } : retry;
  const policy = {
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 20,
    maxBackoffMs: options.maxBackoffMs ?? 1000,
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new ConfigError(
      `retry.attempts must be a whole number >= 1 (the runs in total, the first included), got ${String(policy.attempts)}.`,
    );
  }
  for (const name of ["backoffMs", "maxBackoffMs"] as const) {
    const value = policy[name];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(`retry.${name} must be a number of milliseconds >= 0, got ${String(value)}.`);
    }
  }
  return policy;
}

/**
 * Errors after which the database kept nothing of the transaction: a serialization failure or conflict,
 * a commit rejected by one, a connection lost mid-transaction. A commit whose connection was lost is
 * not here: nobody knows whether it landed.
 */
export function isRetryableFailure(error: unknown): boolean {
  if (error instanceof SerializationError || error instanceof ConnectionError) return true;
  if (error instanceof CommitFailedError) return error.cause instanceof SerializationError;
  return false;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread but never pile up at 0. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (failedAttempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `attempt` until it resolves, it fails with an error `canRetry` refuses, or the attempts run out;
 * then the last error is rethrown unchanged.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  canRetry: (error: unknown) => boolean,
  errorMessages = false,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !canRetry(error)) throw error;
      const delayMs = backoffDelay(policy, n);
      if (channels.retry.hasSubscribers)
        channels.retry.publish({ attempt: n, delayMs, error: publishedError(error, errorMessages) });
      await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
