import { describe, expect, it } from "vitest";
import { ConfigError, type CommitMode } from "../src/index.ts";
import { COMMIT_MODES, decide, makePolicy, type CommitPolicy } from "../src/policy.ts";

// An independent statement of the contract in DESIGN.md, written differently from decide() on purpose.
function expected(
  mode: CommitMode,
  status: number,
  extraCommit: number[],
  extraRollback: number[],
): "commit" | "rollback" {
  if (mode === "manual") return "rollback";
  if (extraCommit.includes(status)) return "commit";
  if (extraRollback.includes(status)) return "rollback";
  const family = Math.floor(status / 100);
  if (family === 2) return "commit";
  if (family === 3 && mode === "autocommit-include-redirect") return "commit";
  return "rollback";
}

const extraSets: { commit: number[]; rollback: number[] }[] = [
  { commit: [], rollback: [] },
  { commit: [409, 422, 302], rollback: [] },
  { commit: [], rollback: [201, 204, 301] },
  { commit: [202, 404, 500], rollback: [200, 303, 418] },
];

describe("decide()", () => {
  it("matches the contract for every mode, status 100..599, extra set and outcome", () => {
    let checked = 0;
    for (const mode of COMMIT_MODES) {
      for (const extra of extraSets) {
        if (mode === "manual" && (extra.commit.length > 0 || extra.rollback.length > 0)) continue; // a ConfigError, below
        const policy = makePolicy("db", {
          commit: mode,
          extraCommitStatuses: extra.commit,
          extraRollbackStatuses: extra.rollback,
        });
        for (let status = 100; status <= 599; status++) {
          const got = decide(policy, { status });
          if (got !== expected(mode, status, extra.commit, extra.rollback)) {
            throw new Error(`decide(${mode}, ${status}, ${JSON.stringify(extra)}) = ${got}`);
          }
          checked++;
        }
        expect(decide(policy, { success: true })).toBe(mode === "manual" ? "rollback" : "commit");
        expect(decide(policy, { success: false })).toBe("rollback");
      }
    }
    expect(checked).toBe(500 * (1 + 4 + 4));
  });

  it("checks extra commit statuses before extra rollback statuses", () => {
    // makePolicy refuses overlap, so build the policy by hand to pin the order decide() checks in.
    const both: CommitPolicy = {
      mode: "autocommit",
      extraCommitStatuses: new Set([200, 500]),
      extraRollbackStatuses: new Set([200, 500]),
    };
    expect(decide(both, { status: 500 })).toBe("commit");
    expect(decide(both, { status: 200 })).toBe("commit");
  });

  it("ignores extra statuses for script outcomes", () => {
    const policy = makePolicy("db", { commit: "autocommit", extraRollbackStatuses: [200] });
    expect(decide(policy, { success: true })).toBe("commit");
  });
});

describe("makePolicy()", () => {
  it("defaults to manual with empty sets", () => {
    const policy = makePolicy("db", {});
    expect(policy.mode).toBe("manual");
    expect(policy.extraCommitStatuses.size).toBe(0);
    expect(policy.extraRollbackStatuses.size).toBe(0);
  });

  it("rejects a status in both sets and names it", () => {
    expect(() =>
      makePolicy("db", { commit: "autocommit", extraCommitStatuses: [409, 202], extraRollbackStatuses: [409] }),
    ).toThrow(expect.objectContaining({ code: "ERR_SQLSCOPE_CONFIG", message: expect.stringMatching(/409.*both/) }));
  });

  it.each([99, 600, 200.5, Number.NaN, -1, 1000])("rejects non-HTTP status %s", (status) => {
    expect(() => makePolicy("db", { commit: "autocommit", extraCommitStatuses: [status] })).toThrow(ConfigError);
    expect(() => makePolicy("db", { commit: "autocommit", extraRollbackStatuses: [status] })).toThrow(
      /not an HTTP status/,
    );
  });

  it("rejects an unknown mode and lists the valid ones", () => {
    expect(() => makePolicy("db", { commit: "always" as CommitMode })).toThrow(
      /Unknown commit mode "always".*"autocommit"/,
    );
  });

  it("rejects extra statuses with manual mode (explicit or default)", () => {
    expect(() => makePolicy("db", { commit: "manual", extraCommitStatuses: [202] })).toThrow(ConfigError);
    expect(() => makePolicy("db", { extraRollbackStatuses: [409] })).toThrow(/manual/);
  });

  it("accepts statuses from any iterable", () => {
    const policy = makePolicy("db", { commit: "autocommit", extraCommitStatuses: new Set([202]) });
    expect([...policy.extraCommitStatuses]).toEqual([202]);
  });
});
