// koa.md, stream bodies: read rows inside the request's scope, give later work a scope of its own.
import { Readable } from "node:stream";
import type { Middleware } from "koa";
import { getSession, type SQLScope } from "@sqlscope/core";

/** A route streaming the events as JSON lines, then their count. Example: `app.use(streamEvents(db))`. */
export function streamEvents(db: SQLScope): Middleware {
  return async (ctx) => {
    // docs:start stream
    const rows = await getSession().select("SELECT * FROM events"); // inside the request's scope
    ctx.body = Readable.from(
      (async function* () {
        for (const row of rows) yield JSON.stringify(row) + "\n";
        yield String(await db.runInScope(() => db.getSession().selectValue("SELECT count(*) FROM events")));
      })(),
    );
    // docs:end
  };
}
