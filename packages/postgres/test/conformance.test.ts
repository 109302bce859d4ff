import { runDriverConformance } from "@sqlscope/core/testing";
import { postgresTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { postgres } from "../src/index.ts";
import { postgresValues } from "./values.ts";

const url = postgresTestUrl();

describe.skipIf(url === undefined)("postgres", () => {
  runDriverConformance({
    name: "postgres",
    makeDriver: () => postgres({ connectionString: url as string }),
    capabilities: { savepoints: true, lastInsertId: false, returning: true, castOperator: true },
    values: postgresValues,
    sql: { autoIncrementPk: "SERIAL PRIMARY KEY" },
  });
});
