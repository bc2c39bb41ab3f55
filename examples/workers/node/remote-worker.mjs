// A remote worker over HTTP: one process serves pgtask with an external task type (no node runs
// it), and runWorker from pgtask/client claims, runs and completes its tasks through the fenced
// lease protocol, as a worker on another machine would. Run with DATABASE_URL set:
//   DATABASE_URL=postgres://localhost/shop node remote-worker.mjs
import { createPgtask } from 'pgtask';
import { runWorker } from 'pgtask/client';

const WORKER_TOKEN = 'remote-worker-token-0123456789';
const pgtask = createPgtask({
  databaseUrl: process.env.DATABASE_URL,
  handlers: [],
  config: {
    log: { level: 'warn' },
    api: { authTokens: [{ name: 'resizer', token: WORKER_TOKEN, scope: 'worker' }] },
    tasks: {
      external: [
        {
          type: 'ResizeImage',
          payloadSchema: {
            type: 'object',
            properties: { width: { type: 'integer', minimum: 1 } },
            required: ['width'],
          },
        },
      ],
    },
  },
});
await pgtask.start();
const server = await pgtask.listen({ port: 0, host: '127.0.0.1' });

const handled = new Map();
const worker = runWorker({
  baseUrl: `http://127.0.0.1:${server.port}`,
  token: WORKER_TOKEN,
  types: ['ResizeImage'],
  concurrency: 4,
  handler: async (task) => {
    handled.set(task.id, (handled.get(task.id) ?? 0) + 1);
    return { width: task.payload.width, resized: true };
  },
});

const items = Array.from({ length: 20 }, (_, i) => ({ type: 'ResizeImage', payload: { width: 100 + i } }));
const { accepted } = await pgtask.enqueue(items);
const outcomes = await Promise.all(accepted.map(({ id }) => pgtask.waitForTask(id)));
const succeeded = outcomes.filter((task) => task.status === 'succeeded' && task.result?.resized);
console.log(
  `remote worker: ${succeeded.length} of ${accepted.length} succeeded, each handled once:`,
  [...handled.values()].every((count) => count === 1) && handled.size === accepted.length,
);

const badPayload = await pgtask
  .enqueue([{ type: 'ResizeImage', payload: { width: 'wide' } }])
  .catch((e) => e);
console.log('bad payload:', badPayload.code);

await worker.stop();
await worker.done;
await server.close();
await pgtask.stop();
