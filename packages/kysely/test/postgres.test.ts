import { postgresTestUrl } from "@sqlscope/test-support";
import { describe } from "vitest";
import { runKyselySuite } from "./suite.ts";

const url = postgresTestUrl();

describe.skipIf(url === undefined)("postgres", () => {
  runKyselySuite("postgres", url);
});
