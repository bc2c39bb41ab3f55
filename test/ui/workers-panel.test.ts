import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { type ApiSetup, setupApi, tokenOf } from '../api/api-harness.js';
import { hasChromium, launchBrowser, skipReason } from './browser.js';

const ADMIN_TOKEN = tokenOf('ops');
const WORKER_TOKEN = tokenOf('remote');

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)("the dashboard's Workers card in Chromium", () => {
  let api: ApiSetup;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    api = await setupApi({
      processTasks: true,
      tokens: { ops: 'admin', remote: 'worker' },
      config: { tasks: { external: [{ type: 'Transcode', queue: 'video' }] } },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists the HTTP workers with when they were last seen and the tasks each holds, live', async () => {
    await page.goto(`${api.baseUrl}/`);
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-form button');
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('live');
    await expect
      .poll(() => page.locator('#workers-card td.empty').textContent())
      .toBe('No HTTP worker has claimed lately.');

    const admin = createClient({ baseUrl: api.baseUrl, token: ADMIN_TOKEN });
    const worker = createClient({ baseUrl: api.baseUrl, token: WORKER_TOKEN });
    await admin.POST('/tasks/enqueue', {
      body: { tasks: [1, 2, 3].map((n) => ({ taskType: 'Transcode', payload: { n } })) },
    });
    const claim = await worker.POST('/workers/claim', {
      body: { worker: 'gpu-box-1', types: ['Transcode'], max: 2 },
    });
    expect(claim.data?.tasks).toHaveLength(2);

    const row = page.locator('#workers-card tr[data-worker="gpu-box-1"]');
    await expect
      .poll(() => row.locator('[data-count="running"]').textContent(), { timeout: 15_000 })
      .toBe('2');
    expect(await row.textContent()).toMatch(/ago/);
    expect(await page.locator('#workers-card h2').textContent()).toContain('(1)');

    // Completing one is an event: the card follows without a reload.
    const [first] = claim.data!.tasks;
    await worker.POST('/task/{id}/complete', {
      params: { path: { id: first!.id } },
      body: { token: first!.lease.token },
    });
    await expect
      .poll(() => row.locator('[data-count="running"]').textContent(), { timeout: 15_000 })
      .toBe('1');
  });
});
