// Type tests for the generic API, checked by tsc (`pnpm test` runs it over every file): a wrong
// inference here fails the build, not a test at run time. Nothing in this file is executed.
import { expectTypeOf } from "vitest";
import * as v from "valibot";
import { z } from "zod";
import {
  getSession,
  sql,
  type InferOutput,
  type QueryResult,
  type Row,
  type Session,
  type StandardSchema,
} from "@sqlscope/core";

interface User {
  id: number;
  email: string;
}

declare const s: Session;

// select<R>: the caller's row type, or Row when none is given.
expectTypeOf(s.select<User>("SELECT * FROM users")).toEqualTypeOf<Promise<User[]>>();
expectTypeOf(s.select("SELECT * FROM users")).toEqualTypeOf<Promise<Row[]>>();
expectTypeOf(s.selectOne<User>(sql`SELECT * FROM users WHERE id = ${1}`)).toEqualTypeOf<Promise<User>>();
expectTypeOf(s.selectOneOrNull<User>("SELECT * FROM users WHERE id = ?", [1])).toEqualTypeOf<Promise<User | null>>();
expectTypeOf(s.selectValue<number>("SELECT count(*) FROM users")).toEqualTypeOf<Promise<number>>();
expectTypeOf(s.execute("DELETE FROM users")).toEqualTypeOf<Promise<QueryResult<Row>>>();
expectTypeOf(s.execute<User>("DELETE FROM users RETURNING *")).resolves.toHaveProperty("rows").toEqualTypeOf<User[]>();

// Schema overloads: the schema's output type, per library.
const zUser = z.object({ id: z.coerce.number(), email: z.string() });
expectTypeOf(s.select(zUser, "SELECT * FROM users")).toEqualTypeOf<Promise<{ id: number; email: string }[]>>();
expectTypeOf(s.selectOne(zUser, "SELECT * FROM users WHERE id = :id", { id: 1 })).toEqualTypeOf<
  Promise<{ id: number; email: string }>
>();
expectTypeOf(s.selectOneOrNull(zUser, "SELECT * FROM users WHERE id = ?", [1])).toEqualTypeOf<
  Promise<{ id: number; email: string } | null>
>();
expectTypeOf(s.selectValue(z.coerce.number(), "SELECT count(*) FROM users")).toEqualTypeOf<Promise<number>>();
const vUser = v.object({ id: v.number(), email: v.string() });
expectTypeOf(s.select(vUser, "SELECT * FROM users")).toEqualTypeOf<Promise<{ id: number; email: string }[]>>();
expectTypeOf<InferOutput<typeof zUser>>().toEqualTypeOf<{ id: number; email: string }>();
expectTypeOf(zUser).toExtend<StandardSchema>();

// getSession() is the same Session type everywhere.
expectTypeOf(getSession).returns.toEqualTypeOf<Session>();

// What must not compile.
// @ts-expect-error parameters are an array or a record, not a bare value
void s.select("SELECT * FROM users WHERE id = ?", 1);
// @ts-expect-error a schema is not a query
void s.select(zUser);
