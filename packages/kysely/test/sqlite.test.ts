import { runKyselySuite } from "./suite.ts";

runKyselySuite("sqlite", undefined);
