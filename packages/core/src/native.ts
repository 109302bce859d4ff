import { fragment, type Sql } from "./sql-fragment.ts";

const NATIVE = Symbol.for("sqlscope.native");

/** A statement already written for one driver: its text and values go to the driver untouched. */
export interface NativeSql extends Sql {
  readonly [NATIVE]: readonly unknown[];
}

/**
 * SQL that is already in the driver's own placeholder style (`$1` on PostgreSQL, `?` elsewhere), run
 * without the `?`/`:name` translation: for query builders (Kysely, Drizzle) that compile their own SQL.
 * Pass it wherever a query goes (`execute`, `select*`, `stream`); it takes no separate parameters.
 * A PostgreSQL JSON `?` operator or an `a[lo:hi]` slice in such SQL is sent as written.
 *
 * @example
 * const { sql, parameters } = kysely.selectFrom("users").selectAll().where("id", "=", 1).compile();
 * const rows = await getSession().select(nativeSql(sql, parameters));
 */
export function nativeSql(text: string, values: readonly unknown[]): NativeSql {
  return Object.assign(fragment([text], []), { [NATIVE]: values }) as NativeSql;
}

/** The values of a nativeSql() statement, or undefined for any other fragment. */
export function nativeValues(fragment: Sql): readonly unknown[] | undefined {
  return (fragment as Partial<NativeSql>)[NATIVE];
}
