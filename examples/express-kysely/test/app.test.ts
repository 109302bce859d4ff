import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describeUsersApi } from "@sqlscope/test-support";
import { createApp } from "../src/app.ts";
import { createDatabase, createSchema } from "../src/db.ts";

describeUsersApi("examples/express-kysely", async (filename) => {
  const { db, kysely } = createDatabase(filename);
  await db.runInScope(() => createSchema(kysely));
  const server = createApp(db, kysely).listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
});
