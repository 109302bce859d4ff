import { mysqlTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { runKyselySuite } from "./suite.ts";

const url = mysqlTestUrl();

describe.skipIf(url === undefined)("mysql", () => {
  runKyselySuite("mysql", url);
});
