import { describeUsersApi } from "@sqlscope/testkit";
import { startServer } from "../src/server.ts";

describeUsersApi("examples/hono", (filename) => startServer({ port: 0, filename }));
