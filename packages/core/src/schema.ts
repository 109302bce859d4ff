import type { Row } from "./driver.ts";
import { RowValidationError, type ValidationIssue } from "./errors.ts";

// Written from the Standard Schema v1 specification (https://standardschema.dev): the interface zod,
// valibot, arktype and others implement under the "~standard" key. Our own declaration keeps core free
// of runtime and type dependencies; a test checks it stays assignable from @standard-schema/spec.

/** The result a Standard Schema validator returns: the parsed value, or the issues. */
export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<ValidationIssue> };

/** What a Standard Schema v1 validator carries under its "~standard" key. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** Any Standard Schema v1 validator: a zod schema, a valibot schema, an arktype type, ... */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** The type a schema produces: what `select(schema, ...)` returns per row. */
export type InferOutput<S extends StandardSchema> = NonNullable<S["~standard"]["types"]>["output"];

/** True for a Standard Schema validator (arktype's are functions, the others objects). */
export function isSchema(value: unknown): value is StandardSchema {
  return (typeof value === "object" || typeof value === "function") && value !== null && "~standard" in value;
}

/**
 * Validates rows one by one and returns the schema's outputs (coerced, defaulted, stripped, as the
 * schema does). The first row that fails throws RowValidationError with its index and issues.
 */
export async function validateRows<S extends StandardSchema>(
  schema: S,
  rows: readonly Row[],
  sql: string,
): Promise<InferOutput<S>[]> {
  const validate = schema["~standard"].validate;
  const out = new Array<InferOutput<S>>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    let result = validate(rows[i]);
    // Most validators answer synchronously; awaiting only promises keeps big results fast.
    if (result instanceof Promise) result = await result;
    if (result.issues !== undefined) throw new RowValidationError(sql, i, result.issues);
    out[i] = result.value as InferOutput<S>;
  }
  return out;
}

/** Validates one value (a row of selectOne, the value of selectValue). */
export async function validateOne<S extends StandardSchema>(
  schema: S,
  value: unknown,
  sql: string,
  index = 0,
): Promise<InferOutput<S>> {
  let result = schema["~standard"].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues !== undefined) throw new RowValidationError(sql, index, result.issues);
  return result.value as InferOutput<S>;
}
