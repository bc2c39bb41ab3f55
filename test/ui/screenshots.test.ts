import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import { defineHandler, PermanentError } from '../../src/tasks/task-handler.js';
import { type Service, serviceHandlers, startService } from '../events/service-harness.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';
import { hasChromium, launchBrowser } from './browser.js';

/**
 * Regenerates docs/dashboard.png, docs/task.png and docs/enqueue.png from a service under a
 * realistic load. Not part of `npm test` (it takes ~40 s and rewrites tracked files):
 *   UPDATE_SCREENSHOTS=1 npx vitest run test/ui/screenshots.test.ts
 */
const enabled = hasChromium && process.env.UPDATE_SCREENSHOTS === '1';

describe.skipIf(!enabled)('dashboard screenshots', () => {
  let setup: EngineSetup;
  let service: Service;
  const attemptsSeen = new Map<string, number>();

  beforeAll(async () => {
    setup = await setupEngines();
    service = await startService(setup, {
      config: {
        queue: {
          workerPoolSize: 16,
          maxBufferSize: 500,
          queues: [{ id: 'default' }, { id: 'emails', workers: 4 }, { id: 'reports', workers: 2 }],
        },
      },
      handlers: [
        ...serviceHandlers(),
        defineHandler({
          type: 'ChargeCard',
          description: 'Charges a card through the payment gateway (fails now and then)',
          payloadSchema: z.object({ orderId: z.string().min(1), amountCents: z.number().int().min(1) }),
          defaults: { backoffMs: 300, maxRetries: 3 },
          run: async (payload, ctx) => {
            await new Promise((done) => setTimeout(done, 20 + Math.random() * 60));
            attemptsSeen.set(ctx.taskId, ctx.attempt);
            if (payload.orderId === 'order-7781' && ctx.attempt < 3)
              throw new Error('gateway timeout after 5000 ms');
            if (payload.orderId.startsWith('broken'))
              throw new PermanentError('card declined: insufficient funds');
            if (Math.random() < 0.08) throw new Error('gateway answered 503');
            return { chargeId: `ch_${payload.orderId}`, captured: payload.amountCents };
          },
        }),
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await setup?.teardown();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json());

  it('captures the main views', { timeout: 180_000 }, async () => {
    mkdirSync('docs', { recursive: true });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${service.baseUrl}/`);
    await page.waitForSelector('#stream-status[data-state="live"]');

    // 40 s of varied load: a wave of charges, steady emails, a few dead letters, a paused queue.
    for (let second = 0; second < 40; second++) {
      const wave = Math.round(60 + 50 * Math.sin(second / 5));
      await post('/tasks/enqueue', {
        tasks: [
          ...Array.from({ length: wave }, (_, i) => ({
            taskType: 'ChargeCard',
            priority: i % 3,
            payload: { orderId: `order-${second}-${i}`, amountCents: 100 + i },
          })),
          ...Array.from({ length: 15 }, (_, i) => ({
            taskType: 'Echo',
            queue: 'emails',
            payload: { message: `welcome ${second}-${i}` },
          })),
          ...(second % 8 === 0
            ? [{ taskType: 'ChargeCard', payload: { orderId: `broken-${second}`, amountCents: 999 } }]
            : []),
        ],
      });
      if (second === 30) {
        await post('/queues/reports/pause', {});
        await post('/tasks/enqueue', {
          tasks: Array.from({ length: 25 }, (_, i) => ({
            taskType: 'Sleep',
            queue: 'reports',
            priority: i % 5,
            payload: { duration: 60_000 },
          })),
        });
      }
      if (second === 34) {
        await post('/tasks/enqueue', {
          tasks: Array.from({ length: 6 }, () => ({ taskType: 'Sleep', payload: { duration: 30_000 } })),
        });
      }
      await new Promise((done) => setTimeout(done, 1000));
    }
    const { tasks } = await post('/tasks/enqueue', {
      tasks: [{ taskType: 'ChargeCard', priority: 5, payload: { orderId: 'order-7781', amountCents: 4999 } }],
    });
    await new Promise((done) => setTimeout(done, 3500));
    await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });

    await page.goto(`${service.baseUrl}/#/task/${tasks[0].id}`);
    await page.waitForSelector('#task-status .badge[data-status="succeeded"]', { timeout: 15_000 });
    await page.screenshot({ path: 'docs/task.png', fullPage: true });

    await page.goto(`${service.baseUrl}/#/enqueue`);
    await page.waitForSelector('#enqueue-type option[value="SendEmail"]', { state: 'attached' });
    await page.selectOption('#enqueue-type', 'SendEmail');
    await page.fill(
      '#enqueue-payload',
      JSON.stringify(
        {
          sendTo: ['ops@example.com', 'not-an-email'],
          sendFrom: 'noreply@example.com',
          subject: 'Weekly report',
        },
        null,
        2,
      ),
    );
    await page.waitForSelector('#enqueue-problems li');
    await page.screenshot({ path: 'docs/enqueue.png' });
    await browser.close();
  });
});
