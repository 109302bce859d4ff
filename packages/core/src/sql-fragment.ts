// What the sql tag builds, apart from the tag itself so nativeSql() can build one too without an
// import circle. The key is registered (Symbol.for): fragments made by another copy of core still count.
const FRAGMENT = Symbol.for("sqlscope.fragment");

/** SQL built with the `sql` tag: text and values kept apart until a driver compiles them. */
export interface Sql {
  readonly [FRAGMENT]: true;
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

export function fragment(strings: readonly string[], values: readonly unknown[]): Sql {
  return { [FRAGMENT]: true, strings, values };
}

/** True for a fragment of the sql tag (or nativeSql()). */
export function isSql(value: unknown): value is Sql {
  return typeof value === "object" && value !== null && FRAGMENT in value;
}
