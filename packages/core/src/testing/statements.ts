import { describe, expect, it } from "vitest";
import { compileSql } from "../placeholders.ts";
import { driverFor } from "./source-seam.ts";
import { ParameterError } from "../errors.ts";
import { sql, type Sql } from "../sql.ts";
import type { ConformanceContext } from "./context.ts";
import { inScope, insertItem, namesOf, num } from "./helpers.ts";

export function statementChecks(ctx: ConformanceContext): void {
  describe("placeholders", () => {
    it("binds ? in order and :name by name (a name used twice binds twice)", async () => {
      await inScope(ctx, "m", async (s) => {
        expect(await s.selectOne("SELECT ? AS a, ? AS b", ["x", "y"])).toEqual({ a: "x", b: "y" });
        const row = await s.selectOne<{ a: string; b: string; c: number }>("SELECT :v AS a, :w AS b, :v AS c", {
          v: "one",
          w: "two",
        });
        expect(row).toEqual({ a: "one", b: "two", c: "one" });
      });
    });

    it("leaves string literals, quoted identifiers and comments alone", async () => {
      const q = (name: string) => driverFor(ctx.db, "m").dialect.quoteIdentifier(name);
      await inScope(ctx, "m", async (s) => {
        const row = await s.selectOne<Record<string, unknown>>(
          `SELECT ':notparam' AS a, '?' AS b, 'it''s :x' AS c, 1 AS ${q("q?:x")} -- ? :comment\n /* :block ? */`,
        );
        expect(row).toEqual({ a: ":notparam", b: "?", c: "it's :x", "q?:x": 1 });
        const bound = await s.selectOne<Record<string, unknown>>("SELECT '?' AS a, ? AS b /* ? */", ["real"]);
        expect(bound).toEqual({ a: "?", b: "real" });
      });
    });

    it("leaves :: casts alone", async () => {
      // The parser never reads `::x` as a placeholder, whatever the database.
      expect(
        compileSql("SELECT a::text, :b::int FROM t", { style: driverFor(ctx.db, "m").dialect.placeholder }).names,
      ).toEqual(["b"]);
      if (!ctx.options.can.castOperator) return;
      await inScope(ctx, "m", async (s) => {
        expect(num(await s.selectValue("SELECT :v::integer + 1 AS n", { v: "41" }))).toBe(42);
        expect(num(await s.selectValue("SELECT '7'::integer AS n"))).toBe(7);
      });
    });
  });

  describe("sql tag", () => {
    it("binds values, splices nested fragments, quotes sql.id, joins lists", async () => {
      const { items } = ctx.tables;
      await inScope(ctx, "m", async (s) => {
        const hostile = "x'); DROP TABLE " + items + "; --";
        const ids = [ctx.nextId(), ctx.nextId()];
        await s.execute(
          sql`INSERT INTO ${sql.id(items)} (id, name) VALUES (${ids[0]}, ${hostile}), (${ids[1]}, ${"plain"})`,
        );
        const where = sql`WHERE ${sql.id("id")} IN (${sql.join(ids)})`;
        const order = sql`ORDER BY ${sql.id("id")}`;
        const rows = await s.select<{ name: string }>(
          sql`SELECT name FROM ${sql.id(items)} ${where} ${sql.empty} ${order}`,
        );
        expect(rows.map((r) => r.name)).toEqual([hostile, "plain"]);
        const byName = sql`name = ${"plain"}`;
        const nested = sql`SELECT id FROM ${sql.id(items)} WHERE ${sql`${byName} AND ${sql.id("id")} = ${ids[1]}`}`;
        expect(num(await s.selectValue(nested))).toBe(ids[1]);
      });
    });

    it("an empty sql.join() inside IN (...) is a ParameterError on every driver, sent nowhere; elsewhere it is empty", async () => {
      const { items } = ctx.tables;
      await inScope(ctx, "m", async (s) => {
        const none: number[] = [];
        for (const text of [
          sql`SELECT id FROM ${sql.id(items)} WHERE id IN (${sql.join(none)})`,
          sql`SELECT id FROM ${sql.id(items)} WHERE id NOT in ( ${sql.join(none)} )`,
        ]) {
          await expect(s.select(text)).rejects.toBeInstanceOf(ParameterError);
          await expect(s.select(text)).rejects.toThrow(/IN \(\)/);
        }
        const conditions: Sql[] = [];
        const where = conditions.length === 0 ? sql.empty : sql`WHERE ${sql.join(conditions, sql` AND `)}`;
        expect(Array.isArray(await s.select(sql`SELECT id FROM ${sql.id(items)} ${where} ${sql.join(none)}`))).toBe(
          true,
        );
      });
      expect(ctx.db.stats("m").borrowed).toBe(0);
    });
  });

  describe("session methods", () => {
    it("execute reports rowsAffected", async () => {
      await inScope(ctx, "m", async (s) => {
        const a = await insertItem(ctx, s, "exec-a");
        const b = await insertItem(ctx, s, "exec-b");
        const result = await s.execute(`UPDATE ${ctx.tables.items} SET qty = qty + 1 WHERE id IN (?, ?)`, [a, b]);
        expect(result.rowsAffected).toBe(2);
        expect(result.rows).toEqual([]);
        const none = await s.execute(`DELETE FROM ${ctx.tables.items} WHERE id = ?`, [-1]);
        expect(none.rowsAffected).toBe(0);
      });
    });

    it("executeMany runs one statement per parameter set, positional or named", async () => {
      const ids = [ctx.nextId(), ctx.nextId(), ctx.nextId()];
      await inScope(ctx, "m", async (s) => {
        const positional = await s.executeMany(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (?, ?)`, [
          [ids[0], `many-${ids[0]}`],
          [ids[1], `many-${ids[1]}`],
        ]);
        expect(positional.rowsAffected).toBe(2);
        const named = await s.executeMany(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (:id, :name)`, [
          { id: ids[2], name: `many-${ids[2]}` },
        ]);
        expect(named.rowsAffected).toBe(1);
      });
      expect(await namesOf(ctx, ids)).toEqual(ids.map((id) => `many-${id}`));
    });

    it("executeScript runs several statements", async () => {
      const [a, b] = [ctx.nextId(), ctx.nextId()];
      await inScope(ctx, "m", async (s) => {
        await s.executeScript(
          `INSERT INTO ${ctx.tables.items} (id, name) VALUES (${a}, 'script-${a}');\n` +
            `INSERT INTO ${ctx.tables.items} (id, name) VALUES (${b}, 'script-${b}');`,
        );
      });
      expect(await namesOf(ctx, [a, b])).toEqual([`script-${a}`, `script-${b}`]);
    });

    it("select, selectOne, selectOneOrNull and selectValue return rows as objects", async () => {
      await inScope(ctx, "m", async (s) => {
        const id = await insertItem(ctx, s, "sel", 5);
        const rows = await s.select<{ id: unknown; qty: unknown }>(
          `SELECT id, qty FROM ${ctx.tables.items} WHERE id = ?`,
          [id],
        );
        expect(rows.map((r) => [num(r.id), num(r.qty)])).toEqual([[id, 5]]);
        const one = await s.selectOne<{ qty: unknown }>(`SELECT qty FROM ${ctx.tables.items} WHERE id = :id`, { id });
        expect(num(one.qty)).toBe(5);
        expect(await s.selectOneOrNull(`SELECT qty FROM ${ctx.tables.items} WHERE id = ?`, [-1])).toBeNull();
        const maybe = await s.selectOneOrNull<{ qty: unknown }>(`SELECT qty FROM ${ctx.tables.items} WHERE id = ?`, [
          id,
        ]);
        expect(num(maybe?.qty)).toBe(5);
        expect(num(await s.selectValue(`SELECT count(*) AS n FROM ${ctx.tables.items} WHERE id = ?`, [id]))).toBe(1);
      });
    });

    it("stream yields every row in order and the session stays usable after an early break", async () => {
      const ids = [ctx.nextId(), ctx.nextId(), ctx.nextId()];
      await inScope(ctx, "m", async (s) => {
        for (const id of ids)
          await s.execute(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (?, ?)`, [id, `stream-${id}`]);
        const query = `SELECT id, name FROM ${ctx.tables.items} WHERE id IN (?, ?, ?) ORDER BY id`;
        const seen: string[] = [];
        for await (const row of s.stream<{ name: string }>(query, ids)) seen.push(row.name);
        expect(seen).toEqual(ids.map((id) => `stream-${id}`));
        let first: string | undefined;
        for await (const row of s.stream<{ name: string }>(query, ids)) {
          first = row.name;
          break;
        }
        expect(first).toBe(`stream-${ids[0]}`);
        expect(num(await s.selectValue("SELECT 1 AS one"))).toBe(1);
      });
    });

    it("refuses a statement on the session while its stream is open, then works after the loop", async () => {
      const ids = [ctx.nextId(), ctx.nextId(), ctx.nextId(), ctx.nextId()];
      await inScope(ctx, "m", async (s) => {
        for (const id of ids)
          await s.execute(`INSERT INTO ${ctx.tables.items} (id, name) VALUES (?, ?)`, [id, `open-${id}`]);
        let n = 0;
        for await (const _row of s.stream(`SELECT id FROM ${ctx.tables.items} WHERE id IN (?, ?, ?, ?)`, ids)) {
          if (++n === 2)
            await expect(s.selectValue("SELECT 1 AS one")).rejects.toMatchObject({ code: "ERR_SQLSCOPE_UNSUPPORTED" });
        }
        expect(n).toBe(4);
        expect(num(await s.selectValue("SELECT 2 AS two"))).toBe(2);
      });
    });

    it("connection() returns the driver's own connection, the same one for the whole scope", async () => {
      await inScope(ctx, "m", async (s) => {
        const raw = await s.connection();
        expect(raw).toBeTypeOf("object");
        expect(raw).not.toBeNull();
        await s.selectValue("SELECT 1 AS one");
        expect(await s.connection()).toBe(raw);
      });
    });

    it.runIf(ctx.options.can.lastInsertId)("execute reports lastInsertId of a generated key", async () => {
      await inScope(ctx, "m", async (s) => {
        const { lastInsertId, rowsAffected } = await s.execute(`INSERT INTO ${ctx.tables.auto} (name) VALUES (?)`, [
          "gen",
        ]);
        expect(rowsAffected).toBe(1);
        expect(lastInsertId).toBeDefined();
        const name = await s.selectValue(`SELECT name FROM ${ctx.tables.auto} WHERE id = ?`, [lastInsertId]);
        expect(name).toBe("gen");
      });
    });

    it.runIf(ctx.options.can.returning)("INSERT ... RETURNING returns the new rows", async () => {
      await inScope(ctx, "m", async (s) => {
        const result = await s.execute<{ id: unknown; name: string }>(
          `INSERT INTO ${ctx.tables.auto} (name) VALUES (?), (?) RETURNING id, name`,
          ["r1", "r2"],
        );
        expect(result.rows.map((r) => r.name)).toEqual(["r1", "r2"]);
        expect(num(result.rows[1]?.id)).toBeGreaterThan(num(result.rows[0]?.id));
      });
    });
  });
}
