import { runDriverConformance } from "@sqlscope/core/testing";
import { mysqlTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { mysql } from "../src/index.ts";
import { mysqlValues } from "./values.ts";

const uri = mysqlTestUrl();

describe.skipIf(uri === undefined)("mysql (MariaDB)", () => {
  runDriverConformance({
    name: "mysql",
    makeDriver: () => mysql({ uri: uri as string }),
    capabilities: { savepoints: true, lastInsertId: true, returning: true },
    values: mysqlValues,
    sql: { autoIncrementPk: "INTEGER AUTO_INCREMENT PRIMARY KEY" },
  });
});
