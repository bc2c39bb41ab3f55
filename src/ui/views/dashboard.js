// The main page: totals, the throughput chart, queues (pause/resume), running and waiting tasks, HTTP workers,
// dead letters (retry one or all) and the latest events. Every query is small and bounded: the
// queue counts are the server's cached summary, lists are keyset pages of 10-20 rows, and the
// chart comes from the event stream, so a table of a million tasks costs a refresh nothing extra.

import { api } from '../api.js';
import { drawThroughputChart, formatRate } from '../chart.js';
import { formatCount, formatDuration, formatTime, h, replaceChildren, shortId, statusBadge } from '../dom.js';
import { live, onFrame, series, throughput } from '../live.js';
import { showError } from '../notice.js';
import { refresher } from '../refresher.js';
import { workersCard } from './workers-card.js';

const CHART_SECONDS = 300;
const LIST_LIMIT = 10;
const STATUSES = ['blocked', 'queued', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'];

/** @param {HTMLElement} root @returns {() => void} */
export function dashboardView(root) {
  const totals = h('section.tiles', { id: 'totals' });
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas#throughput-chart', { height: 180 }));
  const chartLegend = h('div.legend');
  const queuesBody = h('tbody');
  const runningList = h('ul.task-list', { id: 'running-list' });
  const waitingList = h('ul.task-list', { id: 'waiting-list' });
  const deadBody = h('tbody');
  const deadCount = h('span.muted');
  const eventsList = h('ul.event-list', { id: 'event-list' });
  const workers = workersCard();
  /** @type {any[]} */
  let queues = [];

  replaceChildren(
    root,
    totals,
    h(
      'section.card',
      { id: 'chart-card' },
      h(
        'h2',
        null,
        'Completed and failed per second',
        h('span.muted', null, ' · last 5 minutes, all instances'),
      ),
      canvas,
      chartLegend,
    ),
    h(
      'section.card',
      { id: 'queues-card' },
      h('h2', null, 'Queues'),
      h(
        'table.queues',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Queue'),
            STATUSES.map((status) => h('th.num', null, status)),
            h('th.num', null, 'done/s'),
            h('th.num', null, 'oldest waiting'),
            h('th', null, ''),
          ),
        ),
        queuesBody,
      ),
    ),
    h(
      'div.columns',
      null,
      h('section.card', { id: 'running-card' }, h('h2', null, 'Running'), runningList),
      h(
        'section.card',
        { id: 'waiting-card' },
        h('h2', null, 'Waiting', h('span.muted', null, ' · newest first')),
        waitingList,
      ),
    ),
    workers.element,
    h(
      'section.card',
      { id: 'dead-card' },
      h(
        'div.card-head',
        null,
        h('h2', null, 'Dead letters ', deadCount),
        h(
          'button.danger',
          { id: 'retry-all-dead', type: 'button', onclick: () => retryDead({ all: true }) },
          'Retry all',
        ),
      ),
      h(
        'table.dead',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Task'),
            h('th', null, 'Type'),
            h('th', null, 'Queue'),
            h('th.num', null, 'Attempts'),
            h('th', null, 'Error'),
            h('th', null, 'Died'),
            h('th', null, ''),
          ),
        ),
        deadBody,
      ),
    ),
    h('section.card', { id: 'events-card' }, h('h2', null, 'Latest events'), eventsList),
  );

  const loadQueues = refresher(
    async () => {
      try {
        const answer = await api('/queues');
        queues = answer.queues;
        renderQueues();
        renderTotals();
        showError(null);
      } catch (error) {
        showError(error);
      }
    },
    { minIntervalMs: 1500, maxIntervalMs: 10_000 },
  );

  const loadLists = refresher(
    async () => {
      try {
        await Promise.all([loadRunningAndWaiting(), loadDead(), workers.load()]);
      } catch (error) {
        showError(error);
      }
    },
    { minIntervalMs: 2000, maxIntervalMs: 10_000 },
  );

  async function loadRunningAndWaiting() {
    // Only queues the cached summary says have such tasks: one small indexed page each.
    const listing = async (status) => {
      const names = queues.filter((queue) => (queue.counts[status] ?? 0) > 0).map((queue) => queue.name);
      const pages = await Promise.all(
        names.map((name) =>
          api(`/queues/${encodeURIComponent(name)}/tasks?status=${status}&limit=${LIST_LIMIT}`),
        ),
      );
      return pages.flatMap((page) => page.tasks);
    };
    const [running, waiting] = await Promise.all([listing('running'), listing('queued')]);
    running.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
    waiting.sort((a, b) => b.priority - a.priority || a.runAt.localeCompare(b.runAt));
    renderTaskList(
      runningList,
      running.slice(0, 15),
      (task) => `started ${formatTime(task.startedAt)}`,
      'Nothing runs now.',
    );
    renderTaskList(
      waitingList,
      waiting.slice(0, 15),
      (task) => `priority ${task.priority}`,
      'Nothing waits.',
    );
  }

  async function loadDead() {
    const page = await api('/dead-letter?limit=20');
    const total = queues.reduce((sum, queue) => sum + (queue.counts.dead ?? 0), 0);
    deadCount.textContent = `(${formatCount(total)})`;
    if (page.tasks.length === 0) {
      replaceChildren(deadBody, h('tr', null, h('td.empty', { colSpan: 7 }, 'No dead tasks.')));
      return;
    }
    replaceChildren(
      deadBody,
      page.tasks.map((task) =>
        h(
          'tr',
          { dataset: { taskId: task.id } },
          h('td', null, h('a.mono', { href: `#/task/${task.id}`, title: task.id }, shortId(task.id))),
          h('td', null, task.taskType),
          h('td', null, task.queue),
          h('td.num', null, `${task.attempts}/${task.maxAttempts}`),
          h('td.error', { title: task.error ?? '' }, task.error ?? ''),
          h('td', null, formatTime(task.finishedAt)),
          h(
            'td',
            null,
            h('button.small', { type: 'button', onclick: () => retryDead({ ids: [task.id] }) }, 'Retry'),
          ),
        ),
      ),
    );
  }

  async function retryDead(body) {
    if (body.all && !confirm('Queue every dead task again?')) return;
    try {
      await api('/dead-letter/retry', { method: 'POST', body });
      loadLists.now();
      loadQueues.now();
    } catch (error) {
      showError(error);
    }
  }

  async function setPaused(name, paused) {
    try {
      await api(`/queues/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST' });
      loadQueues.now();
    } catch (error) {
      showError(error);
    }
  }

  function renderTotals() {
    const sums = Object.fromEntries(STATUSES.map((status) => [status, 0]));
    for (const queue of queues) for (const status of STATUSES) sums[status] += queue.counts[status] ?? 0;
    replaceChildren(
      totals,
      STATUSES.map((status) =>
        h(
          'div.tile',
          { dataset: { status } },
          h('span.tile-value', { id: `total-${status}` }, formatCount(sums[status])),
          h('span.tile-label', null, status),
        ),
      ),
      h(
        'div.tile',
        { dataset: { status: 'rate' } },
        h('span.tile-value', { id: 'total-rate' }, formatRate(throughput(undefined))),
        h('span.tile-label', null, 'done / s'),
      ),
    );
  }

  function renderQueues() {
    if (queues.length === 0) {
      replaceChildren(queuesBody, h('tr', null, h('td.empty', { colSpan: 10 }, 'No queues yet.')));
      return;
    }
    replaceChildren(
      queuesBody,
      queues.map((queue) =>
        h(
          'tr',
          { dataset: { queue: queue.name } },
          h(
            'td',
            null,
            h('strong', null, queue.name),
            queue.paused ? h('span.badge', { dataset: { status: 'paused' } }, 'paused') : null,
            queue.concurrency ? h('span.muted', null, ` · ${queue.concurrency}/node`) : null,
            queue.rateLimit
              ? h(
                  'span.muted',
                  { dataset: { limit: 'rate' }, title: `rate limit (${queue.limitsSource?.rateLimit})` },
                  ` · ≤${queue.rateLimit.max}/${queue.rateLimit.per}`,
                )
              : null,
            queue.maxPerKey
              ? h(
                  'span.muted',
                  {
                    dataset: { limit: 'per-key' },
                    title: `cap per concurrency key (${queue.limitsSource?.maxPerKey})`,
                  },
                  ` · ${queue.maxPerKey}/key`,
                )
              : null,
          ),
          STATUSES.map((status) =>
            h('td.num', { dataset: { count: status } }, formatCount(queue.counts[status] ?? 0)),
          ),
          h('td.num', { dataset: { count: 'rate' } }, formatRate(throughput(queue.name))),
          h('td.num', null, formatDuration(queue.oldestWaitingMs)),
          h(
            'td',
            null,
            h(
              'button.small',
              {
                type: 'button',
                dataset: { action: queue.paused ? 'resume' : 'pause' },
                onclick: () => setPaused(queue.name, !queue.paused),
              },
              queue.paused ? 'Resume' : 'Pause',
            ),
          ),
        ),
      ),
    );
  }

  function renderTaskList(list, tasks, detail, empty) {
    if (tasks.length === 0) {
      replaceChildren(list, h('li.empty', null, empty));
      return;
    }
    replaceChildren(
      list,
      tasks.map((task) =>
        h(
          'li',
          { dataset: { taskId: task.id } },
          h('a.mono', { href: `#/task/${task.id}`, title: task.id }, shortId(task.id)),
          h('span', null, task.taskType),
          h('span.muted', null, task.queue),
          h('span.muted', null, detail(task)),
        ),
      ),
    );
  }

  function renderEvents() {
    if (live.recent.length === 0) {
      replaceChildren(eventsList, h('li.empty', null, 'Waiting for events…'));
      return;
    }
    replaceChildren(
      eventsList,
      live.recent
        .slice(0, 30)
        .map((event) =>
          h(
            'li',
            null,
            h('span.muted', null, formatTime(event.at)),
            statusBadge(event.kind),
            h('a.mono', { href: `#/task/${event.taskId}`, title: event.taskId }, shortId(event.taskId)),
            h('span', null, event.type),
            h('span.muted', null, `${event.queue} · attempt ${event.attempt}`),
            event.error ? h('span.error', { title: event.error }, event.error) : null,
          ),
        ),
    );
  }

  function renderChart() {
    drawThroughputChart(canvas, series(CHART_SECONDS));
    const last = series(10).values;
    const sum = (values) => values.reduce((a, b) => a + b, 0);
    replaceChildren(
      chartLegend,
      h(
        'span.key',
        { dataset: { kind: 'succeeded' } },
        `completed ${formatRate(sum(last.succeeded) / 10)}/s`,
      ),
      h('span.key', { dataset: { kind: 'failed' } }, `failed ${formatRate(sum(last.failed) / 10)}/s`),
      h('span.muted', null, live.nodeId ? `this instance ${shortId(live.nodeId)}` : ''),
    );
  }

  let eventsDirty = true;
  const stopFrames = onFrame((frame) => {
    eventsDirty = true;
    if (frame.hello || Object.keys(frame.counts).length > 0) {
      loadQueues.request();
      loadLists.request();
    }
  });
  // Drawing is paced by a timer, not by frames: a burst redraws twice a second, not per frame.
  const paint = setInterval(() => {
    renderChart();
    if (eventsDirty) {
      eventsDirty = false;
      renderEvents();
    }
  }, 500);
  renderChart();
  renderEvents();

  return () => {
    stopFrames();
    clearInterval(paint);
    loadQueues.dispose();
    loadLists.dispose();
  };
}
