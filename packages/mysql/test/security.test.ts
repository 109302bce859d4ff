import { ConfigError, getSession, ParameterError, PoolTimeoutError, SQLScope, type AddOptions } from "@sqlscope/core";
import { mysqlTestUrl } from "@sqlscope/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysql, type MysqlOptions } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "./helpers.ts";

const serverUrl = mysqlTestUrl();
const INJECTION = "x' OR 1=1 -- ";
const TRICKY = "a\\b'c\\'d\"e";

describe.skipIf(serverUrl === undefined)("@sqlscope/mysql: escaping follows the server's sql_mode", () => {
  let tdb: TestDatabase;
  const registries: SQLScope[] = [];

  function open(add: AddOptions = {}, options: Partial<MysqlOptions> = {}): SQLScope {
    const db = new SQLScope({ onWarning: () => undefined }).add(mysql({ uri: tdb.url, ...options }), {
      commit: "manual",
      ...add,
    });
    registries.push(db);
    return db;
  }
  const matching = (value: string) => getSession().select("SELECT name FROM users WHERE name = ?", [value]);

  beforeAll(async () => {
    tdb = await createTestDatabase(serverUrl as string, "mysecurity");
    await open().runInScope(() =>
      getSession().executeScript(`
        CREATE TABLE users (name VARCHAR(100) NOT NULL) ENGINE=InnoDB;
        INSERT INTO users VALUES ('alice'), ('bob');
        CREATE TABLE notes (body TEXT NOT NULL) ENGINE=InnoDB;
      `),
    );
  });

  afterAll(async () => {
    for (const db of registries) await db.close();
    await tdb?.drop();
  });

  it(`with NO_BACKSLASH_ESCAPES from sessionVariables, ${JSON.stringify(INJECTION)} matches no row and backslashes round-trip`, async () => {
    const db = open({}, { sessionVariables: { sql_mode: "NO_BACKSLASH_ESCAPES" } });
    await db.runInScope(async () => {
      expect(await getSession().selectValue("SELECT @@SESSION.sql_mode")).toBe("NO_BACKSLASH_ESCAPES");
      expect(await matching(INJECTION)).toEqual([]);
      await getSession().execute("INSERT INTO notes (body) VALUES (?)", [TRICKY]);
      expect(await getSession().selectValue("SELECT body FROM notes WHERE body = ?", [TRICKY])).toBe(TRICKY);
      expect(await getSession().select("SELECT name FROM users WHERE name IN (?)", [["alice", INJECTION]])).toEqual([
        { name: "alice" },
      ]);
    });
  });

  it("with NO_BACKSLASH_ESCAPES set by an earlier statement (even one left by an earlier request), no injection", async () => {
    const db = open({ pool: { max: 1 } }, { resetOnRelease: false });
    await db.runInScope(async () => {
      await getSession().execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      expect(await matching(INJECTION)).toEqual([]);
    });
    // resetOnRelease: false keeps the mode on the connection: the next scope must still escape for it.
    await db.runInScope(async () => {
      expect(await matching(INJECTION)).toEqual([]);
      expect(await matching("alice")).toEqual([{ name: "alice" }]);
      await getSession().execute("SET SESSION sql_mode = DEFAULT");
      expect(await matching(INJECTION)).toEqual([]);
      await getSession().execute("INSERT INTO notes (body) VALUES (?)", [TRICKY]);
      expect(await getSession().selectValue("SELECT count(*) FROM notes WHERE body = ?", [TRICKY])).toBeGreaterThan(0);
    });
  });

  it("with NO_BACKSLASH_ESCAPES set through the raw handle, the next bound statement still escapes for it", async () => {
    const db = open();
    await db.runInScope(async () => {
      const raw = await getSession().connection<{ query(sql: string): Promise<unknown> }>();
      await raw.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      expect(await matching(INJECTION)).toEqual([]);
    });
  });

  it("a statement over max_allowed_packet is a ParameterError before sending, and the next scope is unharmed", async () => {
    const db = open({ pool: { max: 1 } });
    const max = Number(await db.runInScope(() => getSession().selectValue("SELECT @@max_allowed_packet")));
    const big = "x".repeat(max + 1);
    const outcome = db.runInScope(() => getSession().selectValue("SELECT length(?)", [big]));
    await expect(outcome).rejects.toBeInstanceOf(ParameterError);
    await expect(outcome).rejects.toMatchObject({ retryable: false });
    expect(await db.runInScope(() => getSession().selectValue("SELECT 1"))).toBe(1);
  });

  it("a stored function that sets a user variable, run by an INSERT, is seen (the server's session-state flag)", async () => {
    const db = open({ pool: { max: 1 } });
    await db.runInScope(async () => {
      await getSession().execute(
        "CREATE FUNCTION remember(v VARCHAR(20)) RETURNS INT DETERMINISTIC BEGIN SET @remembered = v; RETURN 1; END",
      );
      await getSession().execute("CREATE TABLE calls (n INT) ENGINE=InnoDB");
    });
    await db.runInScope(() => getSession().execute("INSERT INTO calls VALUES (remember(?))", ["tenant-a"]));
    expect(await db.runInScope(() => getSession().selectValue("SELECT @remembered"))).toBeNull();
  });
});

describe("mysql({ uri }): checked when the driver is made", () => {
  const SECRET = "S3CRETPW";

  it("a malformed URI is a ConfigError whose message, cause and fields never hold the password", () => {
    for (const uri of [
      `mysql://app:${SECRET}@db.example:notaport/app`,
      `mysql://app:${SECRET}@[::1/app`,
      `app:${SECRET}@localhost/app`,
    ]) {
      let error: unknown;
      try {
        mysql({ uri });
      } catch (e) {
        error = e;
      }
      expect(error, uri).toBeInstanceOf(ConfigError);
      const everything =
        JSON.stringify(error, Object.getOwnPropertyNames(error)) +
        String((error as Error).cause) +
        JSON.stringify((error as Error).cause, ["message", "input"]);
      expect(everything).not.toContain(SECRET);
      expect((error as Error).message).toMatch(/mysql:\/\//);
    }
  });

  it("a URI with a badly encoded password is a ConfigError without the password", () => {
    expect(() => mysql({ uri: `mysql://app:${SECRET}%zz@localhost/app` })).toThrow(ConfigError);
    expect(() => mysql({ uri: `mysql://app:${SECRET}%zz@localhost/app` })).not.toThrow(new RegExp(SECRET));
  });

  it("multi-statement mode cannot be asked for through the URI or flags", () => {
    expect(() => mysql({ uri: "mysql://app@localhost/app?multipleStatements=true" })).toThrow(/multi-statement/);
    expect(() => mysql({ uri: "mysql://app@localhost/app?flags=MULTI_STATEMENTS" })).toThrow(/multi-statement/);
    expect(() =>
      mysql({ uri: "mysql://app@localhost/app", driverOptions: { flags: ["FOUND_ROWS", "MULTI_STATEMENTS"] } }),
    ).toThrow(/multi-statement/);
    // mysql2 also reads a comma-separated string, which its types do not admit.
    expect(() =>
      mysql({
        uri: "mysql://app@localhost/app",
        driverOptions: { flags: "FOUND_ROWS, +multi_statements" as unknown as string[] },
      }),
    ).toThrow(/multi-statement/);
    expect(() => mysql({ uri: "mysql://app@localhost/app", driverOptions: { flags: ["multi_statements"] } })).toThrow(
      /multi-statement/,
    );
    expect(() => mysql({ uri: "mysql://app@localhost/app", driverOptions: { flags: ["-FOUND_ROWS"] } })).not.toThrow();
  });

  it.skipIf(serverUrl === undefined)(
    "a good URI still connects, with its query options and percent-encoded parts",
    async () => {
      const url = new URL(serverUrl as string);
      url.searchParams.set("dateStrings", "true");
      const db = new SQLScope({ onWarning: () => undefined }).add(mysql({ uri: url.toString() }));
      try {
        expect(await db.runInScope(() => getSession().selectValue("SELECT DATE('2024-01-02')"))).toBe("2024-01-02");
      } finally {
        await db.close();
      }
    },
  );

  it("a refused connection's PoolTimeoutError does not carry the password either", async () => {
    const db = new SQLScope({ onWarning: () => undefined }).add(
      mysql({ uri: `mysql://app:${SECRET}@127.0.0.1:1/app`, connectTimeoutMs: 500 }),
      {
        pool: { acquireTimeoutMs: 600 },
      },
    );
    try {
      const error = await db.runInScope(() => getSession().selectValue("SELECT 1")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PoolTimeoutError);
      expect(
        JSON.stringify(error, Object.getOwnPropertyNames(error)) +
          JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause ?? {})),
      ).not.toContain(SECRET);
    } finally {
      await db.close();
    }
  });
});
