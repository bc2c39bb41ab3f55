// Save an order and its receipt task in one transaction: if the order rolls back, the receipt
// never existed; once it commits, the receipt runs. Run with DATABASE_URL set:
//   DATABASE_URL=postgres://localhost/shop node orders.mjs
import pg from 'pg';
import { createPgtask, defineHandler, PermanentError } from 'pgtask';
import { z } from 'zod';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
await pool.query('create table if not exists orders (id serial primary key, email text not null)');

const receiptsSent = [];
const sendReceipt = defineHandler({
  type: 'SendReceipt',
  payloadSchema: z.object({ orderId: z.number().int(), email: z.email() }),
  defaults: { maxRetries: 5, backoffMs: 2_000 },
  async run(payload, ctx) {
    // ctx.services is what createPgtask was given: here the application's own pool.
    const { rows } = await ctx.services.db.query('select id from orders where id = $1', [payload.orderId]);
    if (rows.length === 0) throw new PermanentError(`order ${payload.orderId} does not exist`);
    receiptsSent.push(payload.orderId);
    return { sentTo: payload.email, orderId: payload.orderId };
  },
});

const pgtask = createPgtask({
  pool, // or databaseUrl, or neither for the embedded PostgreSQL
  handlers: [sendReceipt],
  services: { db: pool },
  config: { log: { level: 'warn' }, queue: { workerPoolSize: 4 } },
});
await pgtask.start(); // migrates, then runs tasks

/** The order row and its receipt task commit together, or not at all. */
async function placeOrder(email, { paymentFails }) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query('insert into orders (email) values ($1) returning id', [email]);
    const orderId = rows[0].id;
    const { accepted } = await pgtask.enqueue([{ type: 'SendReceipt', payload: { orderId, email } }], {
      client,
    });
    if (paymentFails) throw new Error('payment declined');
    await client.query('commit');
    return { orderId, taskId: accepted[0].id };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

const declined = await placeOrder('ada@example.com', { paymentFails: true }).catch((error) => error);
console.log('first order:', declined.message); // payment declined: no order, no receipt task

const { orderId, taskId } = await placeOrder('grace@example.com', { paymentFails: false });
const task = await pgtask.waitForTask(taskId); // woken by the task's own outcome, not by polling
console.log('second order:', orderId, task.status, JSON.stringify(task.result));

await pgtask.stop(); // drains as SIGTERM does: running tasks finish, outcomes are written
await pool.end();
if (task.status !== 'succeeded' || receiptsSent.length !== 1 || receiptsSent[0] !== orderId) {
  throw new Error(`unexpected outcome: ${task.status}, receipts ${JSON.stringify(receiptsSent)}`);
}
