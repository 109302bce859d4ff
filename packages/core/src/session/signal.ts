/**
 * True when the signal `arm` is handed is called within `ms`, false after `ms` (then `arm` is called
 * again with undefined, so the caller drops the stale signal). The timer does not outlive the signal.
 */
export function signalWithin(ms: number, arm: (signal: (() => void) | undefined) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      arm(undefined);
      resolve(false);
    }, ms);
    arm(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
