import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../events/service-harness.js';
import { type EngineSetup, setupEngines } from '../support/engine.js';
import { hasChromium, launchBrowser, skipReason } from './browser.js';

const TOKEN = 'schedules-admin-token-0123456789';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('the Schedules page in Chromium', () => {
  let setup: EngineSetup;
  let service: Service;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    setup = await setupEngines();
    service = await startService(setup, {
      config: {
        api: { authTokens: [{ name: 'ops', token: TOKEN, scope: 'admin' }] },
        schedules: [
          {
            name: 'from-config',
            cron: '@weekly',
            task: { taskType: 'Echo', payload: { message: 'weekly' } },
          },
        ],
      },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${service.baseUrl}/`);
    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button');
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await setup?.teardown();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => response.json());

  const row = (name: string) => page.locator(`#schedule-rows tr[data-schedule="${name}"]`);

  it('lists every schedule with its expression, zone, task, next and last run', async () => {
    await api('PUT', '/schedules/nightly', {
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      task: { taskType: 'Echo', payload: { message: 'nightly' }, queue: 'reports', priority: 3 },
    });
    const { nextRunAt } = await api('GET', '/schedules/nightly');
    await page.click('nav a[data-nav="schedules"]');
    await expect.poll(() => page.locator('#schedule-rows tr').count()).toBe(2);
    expect(
      await page
        .locator('#schedule-rows tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.schedule)),
    ).toEqual(['from-config', 'nightly']);
    const nightly = row('nightly');
    expect(await nightly.locator('td').nth(0).textContent()).toBe('nightlyAPI');
    expect(await row('from-config').locator('td').nth(0).textContent()).toBe('from-configconfig.yaml');
    expect(await nightly.locator('td').nth(1).textContent()).toBe('30 2 * * *Europe/Berlin');
    expect(await nightly.locator('td').nth(2).textContent()).toBe('Echoreports · priority 3');
    expect(await nightly.locator('td.next-run').textContent()).toMatch(/in \d+ h \d+ m$/);
    expect(await nightly.locator('td.next-run').getAttribute('title')).toContain(nextRunAt);
    expect(await nightly.locator('td.last-run').textContent()).toBe('never');
  });

  it('shows the task of the last tick, linked to its page', async () => {
    // The tick comes due now: the service's own scheduler fires it within a round.
    await setup.db.pool.query(
      `update schedules set next_run_at = now() - interval '1 second' where name = 'nightly'`,
    );
    await page.click('#schedules-refresh');
    const link = row('nightly').locator('td.last-run a');
    await expect.poll(() => link.count(), { timeout: 15_000, interval: 250 }).toBe(1);
    const { lastTaskId } = await api('GET', '/schedules/nightly');
    expect(await link.getAttribute('href')).toBe(`#/task/${lastTaskId}`);
    await link.click();
    await expect.poll(() => page.locator('#task-payload').textContent()).toContain('nightly');
    await page.click('nav a[data-nav="schedules"]');
    await expect.poll(() => row('nightly').count()).toBe(1);
  });

  it('pauses and resumes a schedule with its button, and the audit page says who did it', async () => {
    await row('nightly').locator('button[data-action="pause"]').click();
    await expect.poll(() => row('nightly').getAttribute('data-paused')).toBe('true');
    expect(await row('nightly').locator('.badge').textContent()).toBe('paused');
    expect(await row('nightly').locator('td.next-run').textContent()).toBe('— paused');
    expect((await api('GET', '/schedules/nightly')).paused).toBe(true);

    await row('nightly').locator('button[data-action="resume"]').click();
    await expect.poll(() => row('nightly').getAttribute('data-paused')).toBe('false');
    expect(await row('nightly').locator('.badge').count()).toBe(0);
    expect((await api('GET', '/schedules/nightly')).paused).toBe(false);

    await page.click('nav a[data-nav="audit"]');
    const entries = page.locator('#audit-rows tr');
    await expect.poll(() => entries.count()).toBeGreaterThanOrEqual(3);
    expect(await entries.nth(0).textContent()).toMatch(/^.+ops.+resumedschedule nightly0$/);
    expect(await entries.nth(1).textContent()).toMatch(/^.+ops.+pausedschedule nightly0$/);
  });
});
