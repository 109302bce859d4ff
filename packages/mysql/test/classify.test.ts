// Which constraint a MySQL/MariaDB error names, from messages captured from MariaDB 10.11 (and MySQL 8's
// "table.key" form); the conformance suite checks the same against a live server.
import { describe, expect, it } from "vitest";
import { classifyMysqlError } from "../src/index.ts";

const err = (errno: number, message: string) => Object.assign(new Error(message), { errno });

describe("classifyMysqlError: constraint details", () => {
  it("unique: the key's name (and table, in MySQL 8's form)", () => {
    expect(classifyMysqlError(err(1062, "Duplicate entry 'dup' for key 'name'")).details).toEqual({
      constraintName: "name",
    });
    expect(classifyMysqlError(err(1062, "Duplicate entry '5-1' for key 'users.users_email_tenant'")).details).toEqual({
      table: "users",
      constraintName: "users_email_tenant",
    });
  });
  it("not null, check, and foreign keys in both directions", () => {
    expect(classifyMysqlError(err(1048, "Column 'name' cannot be null")).details).toEqual({ columns: ["name"] });
    expect(classifyMysqlError(err(4025, "CONSTRAINT `v_positive` failed for `app`.`named`")).details).toEqual({
      constraintName: "v_positive",
      table: "named",
    });
    expect(classifyMysqlError(err(3819, "Check constraint 'v_positive' is violated.")).details).toEqual({
      constraintName: "v_positive",
    });
    const fk =
      "Cannot add or update a child row: a foreign key constraint fails (`app`.`items`, CONSTRAINT `items_ibfk_1` FOREIGN KEY (`parent_id`, `kind`) REFERENCES `parents` (`id`, `kind`))";
    expect(classifyMysqlError(err(1452, fk)).details).toEqual({
      table: "items",
      constraintName: "items_ibfk_1",
      columns: ["parent_id", "kind"],
    });
    expect(
      classifyMysqlError(err(1451, fk.replace("add or update a child", "delete or update a parent"))).constraint,
    ).toBe("foreign_key");
  });
});
