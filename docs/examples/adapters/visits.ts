// The visit counter of the "Write intent" samples (koa.md, hono.md, fastify.md): a GET that reads,
// awaits, then writes, so its route needs write intent.
import { getSession } from "@sqlscope/core";

/** Reads the article's count, awaits (a cache, another service), writes count + 1; answers the new count. */
export async function countVisit(slug: string): Promise<number> {
  const seen =
    (await getSession().selectValue<number | null>("SELECT visits FROM articles WHERE slug = ?", [slug])) ?? 0;
  await new Promise((resolve) => setTimeout(resolve, 5));
  await getSession().execute("UPDATE articles SET visits = ? WHERE slug = ?", [seen + 1, slug]);
  return seen + 1;
}
