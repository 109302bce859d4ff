// What a statement's caller asked for, and how its result is cut to that shape.
import type { QueryResult } from "../driver.ts";
import { MultipleRowsError, NotFoundError } from "../errors.ts";
import type { Params } from "../placeholders.ts";
import { isSchema, type StandardSchema } from "../schema.ts";
import type { Sql } from "../sql-fragment.ts";

/** SQL text with `?` or `:name` placeholders, or a fragment built with the `sql` tag. */
export type Query = string | Sql;

/** What a statement returns: the whole result, its rows, exactly one row, or one row or null. */
export type Shape = "result" | "rows" | "one" | "oneOrNull";

// Shaped after the statement's bookkeeping: NotFoundError is the caller's expectation failing, not the statement.
export function shaped(result: QueryResult, query: Query, shape: Shape): unknown {
  switch (shape) {
    case "result":
      return result;
    case "rows":
      return result.rows;
    case "one":
      if (result.rows.length === 1) return result.rows[0];
      if (result.rows.length === 0) throw new NotFoundError(textOf(query));
      throw new MultipleRowsError(textOf(query), result.rows.length);
    case "oneOrNull":
      if (result.rows.length > 1) throw new MultipleRowsError(textOf(query), result.rows.length);
      return result.rows[0] ?? null;
  }
}

/** (schema, query, params) or (query, params): the schema, when given, comes first. */
export function splitArgs(
  first: Query | StandardSchema,
  second: Query | Params | undefined,
  third: Params | undefined,
): [StandardSchema | undefined, Query, Params | undefined] {
  if (typeof first === "string" || !isSchema(first)) return [undefined, first, second as Params | undefined];
  return [first, second as Query, third];
}

/** The statement's text for messages: a fragment's parts joined at its values. */
export function textOf(query: Query): string {
  return typeof query === "string" ? query : query.strings.join("?");
}
