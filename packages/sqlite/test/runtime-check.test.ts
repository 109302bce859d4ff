import { ConfigError } from "@sqlscope/core/driver";
import { afterEach, describe, expect, it } from "vitest";
import { sqlite } from "../src/index.ts";
import { knownCrash } from "../src/runtime-check.ts";

describe("knownCrash(node, better-sqlite3)", () => {
  it("names the fix for better-sqlite3 12 on Node 24.19-24.21, which aborts under GC", () => {
    for (const node of ["v24.19.0", "v24.20.0", "v24.21.0", "24.21.0"]) {
      const message = knownCrash(node, "12.11.1");
      expect(message, node).toMatch(/Node to 24\.22 or later/);
      expect(message).toMatch(/better-sqlite3@13/);
      expect(message).toMatch(/RemoveEnvironmentCleanupHook/);
    }
    expect(knownCrash("v24.20.0", "11.10.0")).toMatch(/24\.22/);
  });

  it("names the fix for better-sqlite3 13 on Node 20, where it segfaults", () => {
    const message = knownCrash("v20.20.2", "13.2.0");
    expect(message).toMatch(/Node to 22 or later/);
    expect(message).toMatch(/better-sqlite3@12/);
  });

  it("lets every other pair through", () => {
    const fine: Array<[string, string]> = [
      ["v20.20.2", "12.11.1"],
      ["v22.23.5", "12.11.1"],
      ["v24.18.1", "12.11.1"],
      ["v24.22.0", "12.11.1"],
      ["v24.22.3", "12.11.1"],
      ["v26.12.1", "12.11.1"],
      ["v22.0.0", "13.0.0"],
      ["v24.21.0", "13.2.0"],
      ["v26.12.1", "13.2.0"],
    ];
    for (const [node, addon] of fine) expect(knownCrash(node, addon), `${node} + ${addon}`).toBeUndefined();
  });

  it("does not guess on versions it cannot read", () => {
    expect(knownCrash("v24.21", "12.11.1")).toBeUndefined();
    expect(knownCrash("v24.21.0", "latest")).toBeUndefined();
  });
});

describe("sqlite() on a crashing pair", () => {
  const real = Object.getOwnPropertyDescriptor(process, "version");
  afterEach(() => {
    if (real !== undefined) Object.defineProperty(process, "version", real);
  });

  it("throws a ConfigError at sqlite() that names the fix, before better-sqlite3 opens anything", () => {
    // Only this file's worker sees the changed version (vitest runs each file in its own process here).
    Object.defineProperty(process, "version", { value: "v24.21.0", configurable: true });
    let error: unknown;
    try {
      sqlite({ filename: ":memory:" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: "ERR_SQLSCOPE_CONFIG", cause: { node: "v24.21.0" } });
    expect((error as Error).message).toMatch(
      /^sqlite\(\): better-sqlite3 12\.\d+\.\d+ aborts .*Node to 24\.22 or later/,
    );
  });
});
