import {
  EntitySchema,
  MikroORM,
  RequestContext,
  type CreateContextOptions,
  type EntityManager,
  type ForkOptions,
  type Options,
} from "@mikro-orm/core";
import { NODB_REPLY, type DbTarget, type Handlers, type Reply } from "./config.ts";
import type { Peer } from "./peer.ts";

interface User {
  id: number;
  name: string;
  email: string;
  visits: number;
}

const KEEP_TRANSACTION: ForkOptions = { keepTransactionContext: true };

const UserSchema = new EntitySchema<User>({
  name: "User",
  tableName: "users",
  properties: {
    id: { type: "number", primary: true },
    name: { type: "string" },
    email: { type: "string" },
    visits: { type: "number" },
  },
});

/**
 * M: MikroORM 6 the way its users give each request its own unit of work and transaction: a forked
 * EntityManager in RequestContext (MikroORM's own AsyncLocalStorage), em.begin() per request, entities
 * loaded and changed through the identity map and flushed, commit or rollback by the status. Settled
 * like P (when the response closes on node:http, Express and Fastify). PostgreSQL and MySQL only:
 * its SQLite driver brings a better-sqlite3 of its own, which would need a native build per Node ABI.
 */
export async function makeMikroPeer(db: DbTarget, poolMax: number): Promise<Peer<EntityManager> | undefined> {
  let driver: Options["driver"];
  switch (db.kind) {
    case "postgres":
      driver = (await import("@mikro-orm/postgresql")).PostgreSqlDriver;
      break;
    case "mysql":
      driver = (await import("@mikro-orm/mysql")).MySqlDriver;
      break;
    default:
      return undefined;
  }
  const orm = await MikroORM.init({
    driver,
    clientUrl: db.url,
    entities: [UserSchema],
    pool: { min: 0, max: poolMax },
    debug: false,
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
  });
  const em = (): EntityManager => {
    const current = RequestContext.getEntityManager();
    if (current === undefined) throw new Error("no request context: the peer middleware is not mounted");
    return current as EntityManager;
  };
  const plain = (u: User): User => ({ id: u.id, name: u.name, email: u.email, visits: u.visits });
  const bump = async (id: number): Promise<User | null> => {
    const user = await em().findOne(UserSchema, { id });
    if (user === null) return null;
    user.visits++;
    await em().flush();
    return user;
  };
  const handlers: Handlers = {
    async read(id) {
      const user = await em().findOne(UserSchema, { id });
      return user === null ? { status: 404, body: { error: "not found" } } : { status: 200, body: plain(user) };
    },
    async update(id): Promise<Reply> {
      const user = await bump(id);
      return user === null ? { status: 404, body: { error: "not found" } } : { status: 200, body: plain(user) };
    },
    nodb: () => NODB_REPLY,
    async error(id) {
      await bump(id);
      return { status: 500, body: { error: "rolled back on purpose" } };
    },
    close: () => orm.close(true),
  };
  return {
    handlers,
    async begin() {
      const fork = orm.em.fork();
      await fork.begin();
      return fork;
    },
    async end(fork, status) {
      try {
        if (status < 400) await fork.commit();
        else await fork.rollback();
      } catch {
        // A failed commit/rollback is the peer's to report; the benchmark counts only served requests.
      }
    },
    // RequestContext forks the EntityManager it is given; without keepTransactionContext that fork would
    // run outside the request's transaction, on a second pooled connection.
    // CreateContextOptions does not declare it, but RequestContext passes its options on to fork().
    run: (fork, fn) => RequestContext.create(fork, fn, KEEP_TRANSACTION as CreateContextOptions),
  };
}
