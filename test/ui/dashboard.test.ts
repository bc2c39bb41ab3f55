import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHandler, PermanentError } from '../../src/tasks/task-handler.js';
import { type Service, serviceHandlers, startService } from '../events/service-harness.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';
import { hasChromium, launchBrowser, skipReason } from './browser.js';

const TOKEN = 'dashboard-admin-token-0123456789';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  let setup: EngineSetup;
  let service: Service;
  let browser: Browser;
  let page: Page;
  /** Flaky fails for good until the test "fixes" it, so a retried dead task can then succeed. */
  let flakyBroken = true;

  beforeAll(async () => {
    setup = await setupEngines();
    service = await startService(setup, {
      config: { api: { authTokens: [{ name: 'ops', token: TOKEN, scope: 'admin' }] } },
      handlers: [
        ...serviceHandlers(),
        defineHandler({
          type: 'Flaky',
          payloadSchema: z.object({ note: z.string() }),
          run: (payload) => {
            if (flakyBroken) throw new PermanentError('the downstream service is down');
            return { fixed: payload.note };
          },
        }),
      ],
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await setup?.teardown();
  });

  const stillSamePage = async () =>
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

  const api = (path: string, body?: unknown) =>
    fetch(`${service.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => response.json());

  it('asks for a token when auth is on, then shows live data with it', async () => {
    await page.goto(`${service.baseUrl}/`);
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('token needed');
    await expect.poll(() => page.locator('#notice').textContent()).toContain('needs a bearer token');
    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button');
    await expect.poll(() => page.locator('#stream-status').textContent()).toBe('live');
    // The counts came back (they render only after GET /queues answered).
    await expect.poll(() => page.locator('#total-queued').count()).toBe(1);
    expect(await page.locator('#notice').isHidden()).toBe(true);
    // Set once; a reload would lose it, so every later check proves the page never reloaded.
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
  });

  it('enqueues through the form, validating the payload against the type schema, and shows it succeed live', async () => {
    await page.click('nav a[data-nav="enqueue"]');
    await page.waitForSelector('#enqueue-type option[value="Echo"]', { state: 'attached' });
    await page.selectOption('#enqueue-type', 'Echo');

    // The schema the API uses says message is a non-empty string: the form says so before sending.
    await page.fill('#enqueue-payload', '{"message": ""}');
    await expect
      .poll(() => page.locator('#enqueue-problems li').allTextContents())
      .toEqual(['payload.message must not be empty']);
    expect(await page.locator('#enqueue-submit').isDisabled()).toBe(true);
    await page.fill('#enqueue-payload', '{"message": "hi", "times": 99}');
    await expect
      .poll(() => page.locator('#enqueue-problems li').allTextContents())
      .toEqual(['payload.times must be ≤ 10']);
    await page.fill('#enqueue-payload', '{"message": "hello from the form"}');
    await expect.poll(() => page.locator('#enqueue-problems li').count()).toBe(0);
    await page.fill('#enqueue-priority', '7');
    await page.click('#enqueue-submit');

    const row = page.locator('#enqueued-list li').first();
    await expect.poll(() => row.locator('.task-status').textContent(), { timeout: 15_000 }).toBe('succeeded');
    await stillSamePage();

    // Its page: payload, result and the history timeline.
    await row.locator('a').click();
    await expect.poll(() => page.locator('#task-status').textContent()).toBe('succeeded');
    expect(JSON.parse((await page.locator('#task-payload').textContent()) ?? '')).toEqual({
      message: 'hello from the form',
    });
    expect(JSON.parse((await page.locator('#task-result').textContent()) ?? '')).toEqual({
      echoed: 'hello from the form',
    });
    const history = await page.locator('#task-history li').allTextContents();
    expect(history.map((line) => line.match(/(queued|running|succeeded)(?=attempt)/)?.[1])).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(await page.locator('#task-card').textContent()).toContain('Priority7');
    await stillSamePage();
  });

  it('shows a server-side rejection field by field', async () => {
    await page.click('nav a[data-nav="enqueue"]');
    await page.waitForSelector('#enqueue-type option[value="Echo"]', { state: 'attached' });
    await page.selectOption('#enqueue-type', 'Echo');
    await page.fill('#enqueue-payload', '{"message": "ok"}');
    await page.fill('#enqueue-delay', 'soon');
    await page.click('#enqueue-submit');
    await expect
      .poll(() => page.locator('#enqueue-problems li').allTextContents())
      .toEqual([expect.stringMatching(/^delay /)]);
    await page.fill('#enqueue-delay', '');
  });

  it('retries a dead task with its Retry button and shows it run to success', async () => {
    const answer = await api('/tasks/enqueue', {
      tasks: [{ taskType: 'Flaky', payload: { note: 'retry me' } }],
    });
    const id: string = answer.tasks[0].id;
    await page.click('nav a[data-nav="dashboard"]');
    const deadRow = page.locator(`#dead-card tr[data-task-id="${id}"]`);
    await deadRow.waitFor({ timeout: 15_000 });
    expect(await deadRow.textContent()).toContain('the downstream service is down');

    flakyBroken = false;
    await deadRow.locator('button').click();
    await deadRow.waitFor({ state: 'detached', timeout: 15_000 });
    await page.locator(`#event-list a[href="#/task/${id}"]`).first().waitFor({ timeout: 15_000 });

    await page.goto(`${service.baseUrl}/#/task/${id}`);
    await expect
      .poll(() => page.locator('#task-status').textContent(), { timeout: 15_000 })
      .toBe('succeeded');
    const history = (await page.locator('#task-history li').allTextContents()).join('\n');
    expect(history).toMatch(
      /running → dead[\s\S]*dead → queued[\s\S]*queued → running[\s\S]*running → succeeded/,
    );
    expect(JSON.parse((await page.locator('#task-result').textContent()) ?? '')).toEqual({
      fixed: 'retry me',
    });
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });
  });

  it('retries every dead task with Retry all', async () => {
    flakyBroken = true;
    const answer = await api('/tasks/enqueue', {
      tasks: [1, 2, 3].map((n) => ({ taskType: 'Flaky', payload: { note: `all ${n}` } })),
    });
    await page.click('nav a[data-nav="dashboard"]');
    for (const task of answer.tasks) {
      await page.locator(`#dead-card tr[data-task-id="${task.id}"]`).waitFor({ timeout: 15_000 });
    }
    flakyBroken = false;
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#retry-all-dead');
    await expect
      .poll(() => page.locator('#dead-card tbody').textContent(), { timeout: 15_000 })
      .toBe('No dead tasks.');
    await expect.poll(() => page.locator('#total-dead').textContent(), { timeout: 15_000 }).toBe('0');
    await stillSamePage();
  });

  it('updates queue counts and the chart live, and pauses and resumes a queue', async () => {
    await page.click('nav a[data-nav="dashboard"]');
    const succeeded = page.locator('tr[data-queue="bulk"] td[data-count="succeeded"]');
    await api('/tasks/enqueue', {
      tasks: Array.from({ length: 300 }, (_, i) => ({
        taskType: 'Echo',
        queue: 'bulk',
        payload: { message: `${i}` },
      })),
    });
    // Live: within a few seconds (the server caches queue counts ~2 s), without a reload.
    await expect.poll(() => succeeded.textContent(), { timeout: 6000 }).toBe('300');
    // The chart has drawn the successes (green pixels on the canvas).
    const greenPixels = await page.evaluate(() => {
      const canvas = document.querySelector('#throughput-chart') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i + 1]! > 120 && data[i]! < 100 && data[i + 3]! > 0) count++;
      return count;
    });
    expect(greenPixels).toBeGreaterThan(20);

    const pause = page.locator('tr[data-queue="bulk"] button');
    expect(await pause.textContent()).toBe('Pause');
    await pause.click();
    await expect.poll(() => page.locator('tr[data-queue="bulk"] .badge').textContent()).toBe('paused');
    const paused = await api('/queues');
    expect(paused.queues.find((queue: { name: string }) => queue.name === 'bulk').paused).toBe(true);
    await page.locator('tr[data-queue="bulk"] button').click();
    await expect.poll(() => page.locator('tr[data-queue="bulk"] .badge').count()).toBe(0);
    // Limits set at run time show on the queue's row.
    await fetch(`${service.baseUrl}/queues/bulk`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rateLimit: { max: 500, per: '1s' }, maxPerKey: 4 }),
    });
    await expect
      .poll(() => page.locator('tr[data-queue="bulk"] [data-limit="rate"]').textContent(), {
        timeout: 10_000,
      })
      .toBe(' · ≤500/1s');
    expect(await page.locator('tr[data-queue="bulk"] [data-limit="per-key"]').textContent()).toBe(' · 4/key');
    await stillSamePage();
  });
  it('shows who retried a task on its page, and every operator action on the audit page', async () => {
    flakyBroken = true;
    const answer = await api('/tasks/enqueue', {
      tasks: [{ taskType: 'Flaky', payload: { note: 'audited' } }],
    });
    const id: string = answer.tasks[0].id;
    await page.goto(`${service.baseUrl}/#/task/${id}`);
    await expect.poll(() => page.locator('#task-status').textContent(), { timeout: 15_000 }).toBe('dead');
    flakyBroken = false;
    await page.click('#task-retry');
    await expect
      .poll(() => page.locator('#task-operator-actions li').allTextContents(), { timeout: 15_000 })
      .toEqual([expect.stringMatching(/^retried by ops at .+\d{2}:\d{2}:\d{2}\.\d{3}$/)]);

    await page.click('nav a[data-nav="audit"]');
    const first = page.locator('#audit-rows tr').first();
    await expect.poll(() => first.getAttribute('data-action')).toBe('task.retry');
    expect(await first.locator('td.actor').textContent()).toBe('ops');
    expect(await first.locator(`a[href="#/task/${id}"]`).count()).toBe(1);
    // The earlier tests' actions are there too: the bulk retry and the pause and resume.
    const actions = await page
      .locator('#audit-rows tr')
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.action));
    expect(actions).toEqual(expect.arrayContaining(['dead_letter.retry', 'queue.pause', 'queue.resume']));
  });

  it('links a workflow: a task page lists its parents with their status and the tasks that need it', async () => {
    flakyBroken = true;
    const answer = await api('/tasks/enqueue', {
      tasks: [
        { taskType: 'Flaky', payload: { note: 'parent' } },
        { taskType: 'Flaky', payload: { note: 'child' }, dependsOn: [0] },
      ],
    });
    const [parent, child]: string[] = answer.tasks.map((task: { id: string }) => task.id);
    await page.goto(`${service.baseUrl}/#/task/${child}`);
    await expect
      .poll(() => page.locator('#task-status').textContent(), { timeout: 15_000 })
      .toBe('cancelled');
    await expect.poll(() => page.locator('#task-parents li .badge').textContent()).toBe('dead');
    await page.locator(`#task-parents a[href="#/task/${parent}"]`).click();
    await expect.poll(() => page.locator('#task-children a').getAttribute('href')).toBe(`#/task/${child}`);
    expect(await page.locator('#task-status').textContent()).toBe('dead');
  });
});
