import { describe, expect, it } from "vitest";
import { ConstraintError, MultipleRowsError, NotFoundError, ParameterError, type ConstraintKind } from "../errors.ts";
import type { ConformanceContext } from "./context.ts";
import { inScope, insertItem } from "./helpers.ts";

export function errorChecks(ctx: ConformanceContext): void {
  describe("errors", () => {
    it("selectOne throws NotFoundError for no row and MultipleRowsError for several", async () => {
      await inScope(ctx, "m", async (s) => {
        const a = await insertItem(ctx, s, "multi-a");
        const b = await insertItem(ctx, s, "multi-b");
        const query = `SELECT id FROM ${ctx.tables.items} WHERE id IN (?, ?)`;
        await expect(s.selectOne(query, [-1, -2])).rejects.toBeInstanceOf(NotFoundError);
        await expect(s.selectValue(query, [-1, -2])).rejects.toBeInstanceOf(NotFoundError);
        const multiple = s.selectOne(query, [a, b]);
        await expect(multiple).rejects.toBeInstanceOf(MultipleRowsError);
        await expect(multiple).rejects.toMatchObject({ rowCount: 2 });
        await expect(s.selectOneOrNull(query, [a, b])).rejects.toBeInstanceOf(MultipleRowsError);
      });
    });

    // The unique case re-uses the name of an item inserted first (named "dup-<id>").
    const violations: {
      kind: ConstraintKind;
      when: boolean;
      sql: (ctx: ConformanceContext, id: number, dup: string) => [string, unknown[]];
    }[] = [
      {
        kind: "unique",
        when: true,
        sql: (c, id, dup) => [`INSERT INTO ${c.tables.items} (id, name) VALUES (?, ?)`, [id, dup]],
      },
      {
        kind: "not_null",
        when: true,
        sql: (c, id) => [`INSERT INTO ${c.tables.items} (id, name) VALUES (?, ?)`, [id, null]],
      },
      {
        kind: "check",
        when: ctx.options.can.checkConstraints,
        sql: (c, id) => [`INSERT INTO ${c.tables.items} (id, name, qty) VALUES (?, ?, ?)`, [id, `neg-${id}`, -1]],
      },
      {
        kind: "foreign_key",
        when: ctx.options.can.foreignKeys,
        sql: (c, id) => [
          `INSERT INTO ${c.tables.items} (id, name, parent_id) VALUES (?, ?, ?)`,
          [id, `orphan-${id}`, 999_999],
        ],
      },
    ];
    for (const v of violations) {
      it.runIf(v.when)(`a ${v.kind} violation is a ConstraintError with constraint "${v.kind}"`, async () => {
        const dupId = await inScope(ctx, "m", (s) => insertItem(ctx, s, "dup"));
        const [text, params] = v.sql(ctx, ctx.nextId(), `dup-${dupId}`);
        const error = await inScope(ctx, "a", (s) => s.execute(text, params)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConstraintError);
        expect((error as ConstraintError).constraint).toBe(v.kind);
        expect((error as ConstraintError).code).toBe("ERR_SQLSCOPE_CONSTRAINT");
        expect((error as ConstraintError).cause).toBeDefined();
      });
    }

    // Which constraint, as far as each database tells: every one names the unique key or its columns
    // and the column of a NOT NULL; a table, when reported, is the one written to.
    it("a unique violation names the constraint or its columns; a not-null one names its column", async () => {
      const violation = (text: string, params: unknown[]) =>
        inScope(ctx, "a", (s) => s.execute(text, params)).then(
          () => undefined,
          (e: unknown) => e as ConstraintError,
        );
      const dupId = await inScope(ctx, "m", (s) => insertItem(ctx, s, "which"));
      const unique = await violation(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (?, ?)`, [
        ctx.nextId(),
        `which-${dupId}`,
      ]);
      expect(unique).toBeInstanceOf(ConstraintError);
      const named = [unique?.constraintName ?? "", ...(unique?.columns ?? [])];
      expect(
        named.some((n) => n === "name" || n.includes("name")),
        `names: ${JSON.stringify(named)}`,
      ).toBe(true);
      if (unique?.columns !== undefined) expect(unique.columns).toEqual(["name"]);
      if (unique?.table !== undefined) expect(unique.table).toBe(ctx.tables.items);

      const notNull = await violation(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (?, ?)`, [ctx.nextId(), null]);
      expect(notNull?.constraint).toBe("not_null");
      expect(notNull?.columns).toEqual(["name"]);
      if (notNull?.table !== undefined) expect(notNull.table).toBe(ctx.tables.items);
    });

    it("parameter mistakes are ParameterErrors that take no connection", async () => {
      const { items } = ctx.tables;
      await inScope(ctx, "m", async (s) => {
        await expect(s.select(`SELECT * FROM ${items} WHERE id = ?`)).rejects.toBeInstanceOf(ParameterError);
        await expect(s.select(`SELECT * FROM ${items} WHERE id = ? AND name = ?`, [1])).rejects.toBeInstanceOf(
          ParameterError,
        );
        await expect(s.select(`SELECT * FROM ${items} WHERE id = ?`, [undefined])).rejects.toBeInstanceOf(
          ParameterError,
        );
        await expect(s.select(`SELECT * FROM ${items} WHERE id = :id`, {})).rejects.toBeInstanceOf(ParameterError);
        await expect(s.select(`SELECT * FROM ${items} WHERE id = :id`, [1])).rejects.toBeInstanceOf(ParameterError);
        await expect(s.select(`SELECT * FROM ${items} WHERE id = :id AND name = ?`, { id: 1 })).rejects.toBeInstanceOf(
          ParameterError,
        );
        expect(ctx.db.stats("m").borrowed).toBe(0);
      });
    });
  });
}
