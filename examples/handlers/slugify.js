// A task type of your own, in plain JavaScript: pgtask loads this file at start-up when
// config.yaml lists it under tasks.modules (or PGTASK_TASK_MODULES names it).
import { defineHandler, PermanentError } from 'pgtask';
import { z } from 'zod';

export default defineHandler({
  type: 'Slugify',
  description: 'Turns a title into a URL slug ("Hello, World!" → "hello-world").',
  // Checked when the task is enqueued: a bad payload is a 400, never a failed task.
  payloadSchema: z.strictObject({
    title: z.string().min(1).max(500),
    maxLength: z.number().int().min(1).max(200).default(80),
  }),
  defaults: { timeoutMs: 5_000, maxRetries: 2 },
  run(payload, ctx) {
    const slug = payload.title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, payload.maxLength)
      .replace(/-+$/, '');
    // Retrying cannot turn "!!!" into a slug: fail at once, without retries.
    if (slug === '') throw new PermanentError(`"${payload.title}" has no letters or digits`);
    ctx.log.info({ slug }, 'slugified');
    return { slug };
  },
});
