// Type-checks against the package's .d.ts: ctx.services is typed by defineHandler<Services>().
import type pg from 'pg';
import { createPgtask, defineHandler, type EnqueueItem, type Pgtask, type Task } from 'pgtask';
import { createApp } from 'pgtask/http';
import { builtInHandlers } from 'pgtask/tasks';
import { z } from 'zod';

interface Services {
  db: pg.Pool;
  now(): Date;
}

export const stamp = defineHandler<Services>()({
  type: 'Stamp',
  payloadSchema: z.object({ label: z.string() }),
  async run(payload, ctx) {
    const label: string = payload.label;
    const { rows } = await ctx.services.db.query<{ one: number }>('select 1 as one');
    return { label, at: ctx.services.now().toISOString(), one: rows[0]?.one ?? 0, attempt: ctx.attempt };
  },
});

export async function main(pool: pg.Pool): Promise<Task> {
  const pgtask: Pgtask = createPgtask({
    pool,
    handlers: [stamp, ...builtInHandlers()],
    services: { db: pool, now: () => new Date() },
  });
  await pgtask.start();
  const item: EnqueueItem = { type: 'Stamp', payload: { label: 'typed' }, priority: 5 };
  const { accepted } = await pgtask.enqueue([item]);
  createApp(pgtask).get('/extra', (c) => c.json({ ok: true }));
  return pgtask.waitForTask(accepted[0]!.id);
}
