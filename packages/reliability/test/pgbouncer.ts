/**
 * The URL of `databaseUrl`'s database through the PgBouncer at `bouncerUrl` (which passes every
 * database name through to the same server).
 *
 * @example
 * startEnv(backend, { url: throughBouncer(backend.url, pgbouncerTestUrl()!) });
 */
export function throughBouncer(databaseUrl: string, bouncerUrl: string): string {
  const url = new URL(databaseUrl);
  const bouncer = new URL(bouncerUrl);
  url.host = bouncer.host;
  return url.toString();
}
