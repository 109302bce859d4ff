import { describe, expect, it } from "vitest";
import { TextCache } from "../src/driver/index.ts";

describe("TextCache", () => {
  it("keeps what was set, including false, and answers undefined for the rest", () => {
    const cache = new TextCache<boolean>();
    expect(cache.get("SELECT 1")).toBeUndefined();
    expect(cache.set("SELECT 1", false)).toBe(false);
    expect(cache.get("SELECT 1")).toBe(false);
  });

  it("drops the oldest entry past its limit", () => {
    const cache = new TextCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, 2, 3]);
  });

  it("does not keep a text longer than maxChars, but still returns its value", () => {
    const cache = new TextCache<string>(10, 8);
    expect(cache.set("SELECT 123456789", "long")).toBe("long");
    expect(cache.get("SELECT 123456789")).toBeUndefined();
    cache.set("SELECT 1", "short");
    expect(cache.get("SELECT 1")).toBe("short");
  });
});
