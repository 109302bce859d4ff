import { describeUsersApi } from "@sqlscope/test-support";
import { startServer } from "../src/server.ts";

describeUsersApi("examples/hono", (filename) => startServer({ port: 0, filename }));
