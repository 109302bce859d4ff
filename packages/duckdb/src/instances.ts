import { resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ConfigError } from "@sqlscope/core";

interface Entry {
  readonly instance: Promise<DuckDBInstance>;
  readonly config: string;
  refs: number;
}

/**
 * One DuckDBInstance per database per process: DuckDB lets one process hold a file read-write, and
 * two instances on the same file in one process would not see each other's writes.
 */
const instances = new Map<string, Entry>();
let privateMemory = 0;

/** A handle on a shared instance; release() closes the instance after its last handle is released. */
export interface InstanceLease {
  readonly key: string;
  readonly instance: Promise<DuckDBInstance>;
  /** Resolves once the instance is closed (or still used by other drivers). Idempotent. */
  release(): Promise<void>;
}

/** The cache key of a path: the absolute file path, the shared in-memory name, or a fresh private one. */
export function instanceKey(path: string): string {
  if (path === ":memory:") return `:memory:#private-${++privateMemory}`;
  if (path.startsWith(":memory:")) return path;
  return resolve(path);
}

export function leaseInstance(key: string, config: Readonly<Record<string, string>>): InstanceLease {
  const configText = JSON.stringify(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  let entry = instances.get(key);
  if (entry !== undefined && entry.config !== configText) {
    throw new ConfigError(
      `The DuckDB database ${key} is already open in this process with a different config (${entry.config}). ` +
        "Give every duckdb() driver for one file the same config.",
    );
  }
  if (entry === undefined) {
    // DuckDB itself would take ":memory:name" for a file name; the sharing by name is ours.
    const path = key.startsWith(":memory:") ? ":memory:" : key;
    const created: Entry = { instance: DuckDBInstance.create(path, { ...config }), config: configText, refs: 0 };
    // A file locked by another process must not poison the cache: the next connect tries again.
    void created.instance.catch(() => {
      if (instances.get(key) === created) instances.delete(key);
    });
    instances.set(key, created);
    entry = created;
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    key,
    instance: held.instance,
    async release() {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      if (instances.get(key) === held) instances.delete(key);
      const instance = await held.instance.catch(() => undefined);
      instance?.closeSync();
    },
  };
}

/** How many handles hold the instance of `key` (0 when it is closed). For tests and diagnostics. */
export function instanceRefs(key: string): number {
  return instances.get(key)?.refs ?? 0;
}
