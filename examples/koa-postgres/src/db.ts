import { ConfigError, SQLScope } from "@sqlscope/core";
import { postgres } from "@sqlscope/postgres";

/**
 * The app's database: one key, "db", in autocommit mode: every request that touches it runs in one
 * transaction that commits before a 2xx leaves and rolls back on anything else.
 *
 * @example
 * const db = createDatabase("postgres://app@127.0.0.1:5432/app");
 */
export function createDatabase(connectionString: string): SQLScope {
  return new SQLScope().add(postgres({ connectionString, statementTimeoutMs: 5_000 }), {
    key: "db",
    commit: "autocommit",
  });
}

const HOW =
  "Point it at a PostgreSQL server, for example: " +
  "DATABASE_URL=postgres://user:password@127.0.0.1:5432/app pnpm --filter example-koa-postgres start " +
  "(the database must exist: createdb app).";

/**
 * The connection string from DATABASE_URL, or a ConfigError that says how to set it.
 *
 * @example
 * const url = databaseUrl(process.env);
 */
export function databaseUrl(env: NodeJS.ProcessEnv): string {
  const value = env.DATABASE_URL?.trim();
  if (value === undefined || value === "") throw new ConfigError(`DATABASE_URL is not set. ${HOW}`);
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch (error) {
    throw new ConfigError(`DATABASE_URL is not a URL. ${HOW}`, error);
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new ConfigError(`DATABASE_URL starts with "${protocol}//", not "postgres://". ${HOW}`);
  }
  return value;
}

export const schema = `
  CREATE TABLE IF NOT EXISTS users (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
`;
