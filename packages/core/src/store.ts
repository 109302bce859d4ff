// One scope store per process, whatever the install looks like. Two copies of @sqlscope/core (two
// versions in node_modules, or a bundle beside a dependency) would otherwise each hold their own
// AsyncLocalStorage, and the middleware of one and getSession() of the other would never meet. So the
// store lives on globalThis under a registered symbol, as OpenTelemetry's API keeps its globals, and
// every copy with the same PROTOCOL uses the first copy's.
//
// The protocol is what one copy does with another copy's objects: a Scope found in the store is used
// through `session(key)`, `registry` (`has`, `keys`, `defaultKey`, `runInScope`, and the members
// behind its registered INTERNALS symbol, see registry.ts), `parent`, `state`, `afterCommit`/
// `afterRollback`, `run`, `needsSettling`, `onActive` and `finishNow`; a SQLScope in `live` through
// `isDefault` and `keys`. Changing any of those in a way an older copy would misread means a new PROTOCOL, and then
// the second copy refuses to load instead of silently keeping a store of its own.
import { AsyncLocalStorage } from "node:async_hooks";
import { ConfigError } from "./errors.ts";

/** A scope as the store holds it; scope.ts reads it back as a Scope (currentScope()). */
export type StoredScope = object;

/** A SQLScope as the store lists it, for the free runInScope() to pick from. */
export interface LiveRegistry {
  readonly isDefault: boolean;
  readonly keys: string[];
}

const PROTOCOL = 1;
const KEY = Symbol.for("sqlscope.core.store");

interface SharedStore {
  readonly protocol: number;
  /** The one AsyncLocalStorage: one `run` per scope, never `enterWith`. */
  readonly storage: AsyncLocalStorage<StoredScope>;
  /** Every SQLScope not yet closed, of every copy: the free runInScope() picks its registry from these. */
  readonly live: Set<LiveRegistry>;
  /** Where each copy that joined was loaded from, for the error that names them. */
  readonly copies: string[];
}

function sharedStore(): SharedStore {
  const holder = globalThis as { [KEY]?: SharedStore };
  const here = import.meta.url;
  const existing = holder[KEY];
  if (existing === undefined) {
    const store: SharedStore = {
      protocol: PROTOCOL,
      storage: new AsyncLocalStorage<StoredScope>(),
      live: new Set(),
      copies: [here],
    };
    Object.defineProperty(globalThis, KEY, { value: store, enumerable: false, writable: false, configurable: false });
    return store;
  }
  if (existing.protocol !== PROTOCOL) {
    throw new ConfigError(
      `Two incompatible copies of @sqlscope/core are loaded in this process: ${existing.copies[0] ?? "(unknown)"} ` +
        `(scope protocol ${existing.protocol}) and ${here} (scope protocol ${PROTOCOL}). Their scopes could never meet, so ` +
        "getSession() would not find the middleware's scope. Install one version of every @sqlscope package " +
        "(same release line), then `npm dedupe` (or pnpm dedupe) so node_modules holds a single @sqlscope/core.",
    );
  }
  if (!existing.copies.includes(here)) existing.copies.push(here);
  return existing;
}

const shared = sharedStore();

/** The process's one scope store (see the top of this file). Core-internal: never exported to users. */
export const storage: AsyncLocalStorage<StoredScope> = shared.storage;

/** Every open SQLScope of every copy of core in this process. */
export const liveRegistries: Set<LiveRegistry> = shared.live;
