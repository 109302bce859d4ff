import { createRequire } from "node:module";
import { ConfigError } from "@sqlscope/core/driver";

/**
 * Why this Node and this better-sqlite3 cannot run together, with the fix, or undefined when they
 * can. Both combinations below crash the whole process (no JavaScript error to catch), one of them
 * minutes after start-up, so the driver refuses them when it is created instead.
 *
 * @example
 * knownCrash("v24.21.0", "12.11.1"); // "better-sqlite3 12.11.1 aborts the process ... Node 24.22 or later ..."
 * knownCrash("v24.22.3", "12.11.1"); // undefined
 */
export function knownCrash(nodeVersion: string, betterSqlite3Version: string): string | undefined {
  const node = numbers(nodeVersion);
  const addon = numbers(betterSqlite3Version);
  if (node === undefined || addon === undefined) return undefined;
  const [nodeMajor, nodeMinor] = node;
  const [addonMajor] = addon;
  // Node 24.19 made ~ObjectWrap (compiled into addons built against its headers) remove an
  // environment cleanup hook; the 24.19-24.21 runtimes CHECK-fail when V8 collects a wrapped object
  // with no context entered (nodejs/node#65446). better-sqlite3 13 moved to Node-API and has no ObjectWrap.
  if (nodeMajor === 24 && nodeMinor >= 19 && nodeMinor <= 21 && addonMajor < 13) {
    return (
      `better-sqlite3 ${betterSqlite3Version} aborts the process on Node ${nodeVersion} the first time the garbage collector ` +
      'frees a statement at the wrong moment ("Assertion failed: (env) != nullptr" in node::RemoveEnvironmentCleanupHook, ' +
      "a bug of Node 24.19-24.21, nodejs/node#65446). Upgrade Node to 24.22 or later, or better-sqlite3 to 13 (npm install better-sqlite3@13)."
    );
  }
  // better-sqlite3 13 declares engines node >= 22; its prebuilt addon segfaults at the first statement on Node 20.
  if (addonMajor >= 13 && nodeMajor < 22) {
    return (
      `better-sqlite3 ${betterSqlite3Version} needs Node 22 or later and crashes (segmentation fault) on Node ${nodeVersion}. ` +
      "Upgrade Node to 22 or later, or use better-sqlite3 12 (npm install better-sqlite3@12)."
    );
  }
  return undefined;
}

function numbers(version: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\./.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

let checked = false;

/**
 * Throws a ConfigError when this process's Node and the installed better-sqlite3 are a known crash.
 * Runs once per process (the versions cannot change); a better-sqlite3 whose version cannot be read
 * (a bundle without its package.json) is let through.
 */
export function assertSupportedRuntime(): void {
  if (checked) return;
  let version: unknown;
  try {
    version = (createRequire(import.meta.url)("better-sqlite3/package.json") as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  const problem = typeof version === "string" ? knownCrash(process.version, version) : undefined;
  if (problem !== undefined) {
    throw new ConfigError(`sqlite(): ${problem}`, { node: process.version, betterSqlite3: version });
  }
  checked = true;
}
