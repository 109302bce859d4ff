import { SerializationError } from "@sqlscope/core";
import { describe, expect, it } from "vitest";
import { WriteGate } from "../src/write-gate.ts";

describe("WriteGate", () => {
  it("hands the gate to waiters in arrival order", async () => {
    const gate = new WriteGate("test.db");
    const [a, b, c] = [{}, {}, {}];
    expect(gate.tryAcquire(a)).toBe(true);
    expect(gate.tryAcquire(a)).toBe(true); // the holder may ask again
    const order: string[] = [];
    const pb = gate.acquire(b, 1_000).then(() => order.push("b"));
    const pc = gate.acquire(c, 1_000).then(() => order.push("c"));
    expect(gate.queued).toBe(2);
    gate.release(b); // not the holder: no effect
    expect(gate.heldBy).toBe(a);
    gate.release(a);
    await pb;
    expect(gate.heldBy).toBe(b);
    gate.release(b);
    await pc;
    gate.release(c);
    expect(order).toEqual(["b", "c"]);
    expect(gate.heldBy).toBeUndefined();
  });

  it("rejects a waiter after its deadline with a retryable SerializationError, and skips it on release", async () => {
    const gate = new WriteGate("test.db");
    const [a, b, c] = [{}, {}, {}];
    gate.tryAcquire(a);
    const late = gate.acquire(b, 30);
    const patient = gate.acquire(c, 5_000);
    await expect(late).rejects.toBeInstanceOf(SerializationError);
    await expect(late).rejects.toThrow(/writeTimeoutMs/);
    expect(gate.queued).toBe(1);
    gate.release(a);
    await patient;
    expect(gate.heldBy).toBe(c);
  });
});
