import { createServer } from "node:http";
import { intentPicker, listen, type AdapterHarness } from "@sqlscope/test-support";
import * as adapter from "../src/index.ts";
import { answer200, routesRouter, type ExpressModule } from "./routes.ts";

/** The adapter suite's harness for a given Express major (the module is passed in: express or express4). */
export function expressHarness(name: string, express: ExpressModule): AdapterHarness {
  return {
    name,
    package: { dir: new URL("../", import.meta.url), alsoCopy: ["@sqlscope/node-http"] },
    plainServer: new URL(name === "express 4" ? "./plain-server-4.ts" : "./plain-server.ts", import.meta.url),
    start: async (db, routes, options = {}) => {
      const inner = (options.adapter as typeof adapter | undefined) ?? adapter;
      const lenient: adapter.ExpressScopeOptions =
        options.lenientErrors === true
          ? { onCommitError: (_e, _req, res) => void ((res.statusCode = 200), res.end("fine")) }
          : {};
      const pick = intentPicker(options);
      if (pick !== undefined) lenient.intent = (req) => pick(req.path, req.method);
      const app = express();
      if (options.nested === undefined) {
        app.use(inner.sqlscope(db, lenient));
        app.use(routesRouter(express, routes));
      } else {
        // A sub-app that mounts it again, and a router inside that does too: Express moves the request
        // onto the sub-app's prototypes and back.
        app.use(adapter.sqlscope(db, lenient));
        const sub = express();
        sub.use(inner.sqlscope(options.nested, lenient));
        const router = express.Router();
        router.use(inner.sqlscope(options.nested, lenient));
        router.use(routesRouter(express, routes));
        sub.use(router);
        app.use(sub);
      }
      // Always: Express's own error page shows the error's stack, the database's words with it.
      app.use(inner.sqlscopeErrors(db));
      if (options.lenientErrors === true) app.use(answer200);
      return listen(createServer(app));
    },
  };
}
