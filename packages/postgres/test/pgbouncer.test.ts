// The driver through PgBouncer in transaction pooling mode: the conformance suite as is.
import { runDriverConformance } from "@sqlscope/core/testing";
import { pgbouncerTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { postgres } from "../src/index.ts";

const url = pgbouncerTestUrl();

describe.skipIf(url === undefined)("postgres through PgBouncer (transaction pooling)", () => {
  runDriverConformance({
    name: "postgres via pgbouncer",
    makeDriver: () => postgres({ connectionString: url as string }),
    capabilities: { savepoints: true, lastInsertId: false, returning: true, castOperator: true },
    sql: { autoIncrementPk: "SERIAL PRIMARY KEY" },
  });
});
