// Which constraint a PostgreSQL error names (fields as PostgreSQL 15 sends them); the conformance suite
// checks the same against a live server.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { classifyPostgresError } from "../src/index.ts";

function dbError(code: string, fields: Record<string, string>): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError("violation", 0, "error"), { code, ...fields });
}

describe("classifyPostgresError: constraint details", () => {
  it("unique over several columns, with quoted names, from the detail's key", () => {
    const e = dbError("23505", {
      constraint: "items_code_pair",
      table: "items",
      detail: 'Key (qty, "Parent Id")=(5, 1) already exists.',
    });
    expect(classifyPostgresError(e).details).toEqual({
      constraintName: "items_code_pair",
      table: "items",
      columns: ["qty", "Parent Id"],
    });
  });
  it("not null from its column; a foreign key from its key, except when the referenced row goes", () => {
    expect(classifyPostgresError(dbError("23502", { table: "items", column: "name" })).details).toEqual({
      constraintName: undefined,
      table: "items",
      columns: ["name"],
    });
    const missing = dbError("23503", {
      constraint: "items_parent_id_fkey",
      table: "items",
      detail: 'Key (parent_id)=(9) is not present in table "parents".',
    });
    expect(classifyPostgresError(missing).details?.columns).toEqual(["parent_id"]);
    const referenced = dbError("23503", {
      constraint: "items_parent_id_fkey",
      table: "items",
      detail: 'Key (id)=(1) is still referenced from table "items".',
    });
    expect(classifyPostgresError(referenced).details).toEqual({
      constraintName: "items_parent_id_fkey",
      table: "items",
      columns: undefined,
    });
  });
});
