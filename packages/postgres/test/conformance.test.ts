import { runDriverConformance } from "@sqlscope/core/testing";
import { postgresTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { postgres } from "../src/index.ts";

const url = postgresTestUrl();

describe.skipIf(url === undefined)("postgres", () => {
  runDriverConformance({
    name: "postgres",
    makeDriver: () => postgres({ connectionString: url as string }),
    capabilities: { savepoints: true, lastInsertId: false, returning: true, castOperator: true },
    sql: { autoIncrementPk: "SERIAL PRIMARY KEY" },
  });
});
