// migration.md, before: a transaction per request by hand, with pg. Kept to show what sqlscope replaces.
import express from "express";
import pg from "pg";

export interface OrderInput {
  customer: string;
  total: number;
}

/** The hand-written version of the orders API on `pool`. */
export function createApp(pool: pg.Pool): express.Express {
  const app = express();
  app.use(express.json());
  // docs:start before
  app.post("/orders", async (req, res, next) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await createOrder(client, req.body); // every helper takes `client`
      await client.query("COMMIT");
      res.status(201).end();
    } catch (e) {
      await client.query("ROLLBACK");
      next(e);
    } finally {
      client.release();
    }
  });
  // docs:end
  return app;
}

async function createOrder(client: pg.PoolClient, input: OrderInput): Promise<void> {
  await client.query("INSERT INTO orders (customer, total) VALUES ($1, $2)", [input.customer, input.total]);
}
