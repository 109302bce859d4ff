import { NODB_REPLY, type Handlers, type Reply } from "../config.ts";

/** A checked-out connection of a raw driver, as hand-written code sees it. */
export interface RawConn {
  query(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Back to the pool; `broken` destroys it instead (its transaction state is unknown). */
  release(broken: boolean): void;
}

export interface RawPool {
  acquire(): Promise<RawConn>;
  close(): Promise<void>;
}

/**
 * B1 on a network/threaded driver, the hand-written pattern done right: acquire, BEGIN, the route's
 * statements, COMMIT on a success status or ROLLBACK otherwise, and release exactly once, destroying
 * the connection when a ROLLBACK/COMMIT itself failed.
 */
export function asyncRaw(pool: RawPool, sql: { select: string; update: string }, begin = "BEGIN"): Handlers {
  async function unit(work: (conn: RawConn) => Promise<Reply>): Promise<Reply> {
    const conn = await pool.acquire();
    let reply: Reply;
    try {
      await conn.query(begin, []);
      reply = await work(conn);
    } catch (error) {
      let broken = false;
      await conn.query("ROLLBACK", []).catch(() => {
        broken = true;
      });
      conn.release(broken);
      throw error;
    }
    try {
      await conn.query(reply.status < 400 ? "COMMIT" : "ROLLBACK", []);
    } catch (error) {
      conn.release(true);
      throw error;
    }
    conn.release(false);
    return reply;
  }

  const readRow = async (conn: RawConn, id: number): Promise<Reply> => {
    const rows = await conn.query(sql.select, [id]);
    const row = rows[0];
    return row === undefined ? { status: 404, body: { error: "not found" } } : { status: 200, body: row };
  };

  return {
    read: (id) => unit((conn) => readRow(conn, id)),
    update: (id) =>
      unit(async (conn) => {
        await conn.query(sql.update, [id]);
        return readRow(conn, id);
      }),
    nodb: () => NODB_REPLY,
    error: (id) =>
      unit(async (conn) => {
        await conn.query(sql.update, [id]);
        return { status: 500, body: { error: "rolled back on purpose" } };
      }),
    close: () => pool.close(),
  };
}

/** The smallest correct pool for drivers that have none (DuckDB): a free list and a FIFO of waiters. */
export class FreeList<T> {
  private readonly free: T[] = [];
  private readonly waiters: ((item: T) => void)[] = [];

  constructor(items: readonly T[]) {
    this.free.push(...items);
  }

  take(): Promise<T> {
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve) => this.waiters.push(resolve));
  }

  give(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(item);
    else this.free.push(item);
  }

  get items(): readonly T[] {
    return this.free;
  }
}
