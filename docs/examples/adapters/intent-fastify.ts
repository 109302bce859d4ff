// fastify.md "Write intent": GET /articles/:slug counts a visit, so it gets write intent.
import Fastify, { type FastifyInstance } from "fastify";
import { methodIntent, type SQLScope } from "@sqlscope/core";
import { sqlscope } from "@sqlscope/fastify";
import { countVisit } from "./visits.ts";

export async function visitsApp(db: SQLScope): Promise<FastifyInstance> {
  const app = Fastify();
  // docs:start intent
  await app.register(sqlscope, {
    db,
    intent: (request) => (request.routeOptions.url === "/articles/:slug" ? "write" : methodIntent(request.method)),
  });
  // docs:end
  app.get<{ Params: { slug: string } }>("/articles/:slug", async (request) =>
    String(await countVisit(request.params.slug)),
  );
  return app;
}
