// Which constraint a DuckDB error names, from messages captured from DuckDB 1.5; the conformance suite
// checks the same against a live database.
import { describe, expect, it } from "vitest";
import { classifyDuckDBError } from "../src/index.ts";

const err = (message: string) => new Error(`Constraint Error: ${message}`);

describe("classifyDuckDBError: constraint details", () => {
  it("the columns of a duplicate key, the table and column of a NOT NULL, the table of a CHECK", () => {
    expect(
      classifyDuckDBError(err('Duplicate key "qty: 5, parent_id: 1" violates unique constraint.')).details,
    ).toEqual({ columns: ["qty", "parent_id"] });
    expect(classifyDuckDBError(err('Duplicate key "id: 1" violates primary key constraint.')).constraint).toBe(
      "unique",
    );
    expect(classifyDuckDBError(err("NOT NULL constraint failed: items.name")).details).toEqual({
      table: "items",
      columns: ["name"],
    });
    expect(
      classifyDuckDBError(err("CHECK constraint failed on table named with expression CHECK((v > 0))")).details,
    ).toEqual({ table: "named" });
    expect(
      classifyDuckDBError(
        err('Violates foreign key constraint because key "id: 9" does not exist in the referenced table'),
      ).details,
    ).toEqual({});
  });
});
