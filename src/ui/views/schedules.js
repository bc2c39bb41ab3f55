// Cron schedules: expression and zone, the task each tick makes, next and last run, with Pause /
// Resume per schedule. Refreshed every few seconds while open (one small GET, no table scan).

import { api } from '../api.js';
import { formatDateTime, formatDuration, h, replaceChildren, shortId } from '../dom.js';
import { showError } from '../notice.js';

const REFRESH_MS = 5000;

/** @param {HTMLElement} root @returns {() => void} */
export function schedulesView(root) {
  const body = h('tbody', { id: 'schedule-rows' });
  let disposed = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  replaceChildren(
    root,
    h(
      'section.card',
      { id: 'schedules-card' },
      h(
        'div.card-head',
        null,
        h('h2', null, 'Schedules', h('span.muted', null, ' · one task per tick, across every instance')),
        h('button', { id: 'schedules-refresh', type: 'button', onclick: () => load() }, 'Refresh'),
      ),
      h(
        'table.schedules',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Name', 'Cron', 'Task', 'Next run', 'Last run', ''].map((label) => h('th', null, label)),
          ),
        ),
        body,
      ),
      h(
        'p.muted',
        null,
        'Schedules from config.yaml are applied again at every start; add or change them with PUT /schedules/{name}.',
      ),
    ),
  );

  /** "in 4 m 10 s" from now, or "due" for a tick the next round fires. */
  function fromNow(iso) {
    const ms = Date.parse(iso) - Date.now();
    return ms <= 0 ? 'due' : `in ${formatDuration(ms)}`;
  }

  function lastRun(schedule) {
    if (!schedule.lastRunAt) return h('span.muted', null, 'never');
    return h(
      'span',
      null,
      h('span', { title: schedule.lastRunAt }, formatDateTime(schedule.lastRunAt)),
      schedule.lastError
        ? h('div.error', { title: schedule.lastError }, schedule.lastError)
        : schedule.lastTaskId
          ? h(
              'div',
              null,
              h(
                'a.mono',
                { href: `#/task/${schedule.lastTaskId}`, title: schedule.lastTaskId },
                shortId(schedule.lastTaskId),
              ),
            )
          : null,
    );
  }

  function row(schedule) {
    const { task } = schedule;
    return h(
      'tr',
      { dataset: { schedule: schedule.name, paused: String(schedule.paused) } },
      h(
        'td',
        null,
        h('strong', null, schedule.name),
        schedule.paused ? h('span.badge', { dataset: { status: 'paused' } }, 'paused') : null,
        h('div.muted', null, schedule.source === 'config' ? 'config.yaml' : 'API'),
      ),
      h('td', null, h('code', null, schedule.cron), h('div.muted', null, schedule.timezone)),
      h(
        'td',
        null,
        task.taskType,
        h(
          'div.muted',
          null,
          `${task.queue ?? 'default queue'}${task.priority !== null ? ` · priority ${task.priority}` : ''}`,
        ),
      ),
      h(
        'td.next-run',
        { title: schedule.nextRuns.join('\n') },
        schedule.nextRunAt
          ? [formatDateTime(schedule.nextRunAt), h('div.muted', null, fromNow(schedule.nextRunAt))]
          : h('span.muted', null, '— paused'),
      ),
      h('td.last-run', null, lastRun(schedule)),
      h(
        'td',
        null,
        h(
          'button.small',
          {
            type: 'button',
            dataset: { action: schedule.paused ? 'resume' : 'pause' },
            onclick: () => setPaused(schedule.name, !schedule.paused),
          },
          schedule.paused ? 'Resume' : 'Pause',
        ),
      ),
    );
  }

  async function setPaused(name, paused) {
    try {
      await api(`/schedules/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`, { method: 'POST' });
      await load();
    } catch (error) {
      showError(error);
    }
  }

  async function load() {
    clearTimeout(timer);
    try {
      const { schedules } = await api('/schedules');
      if (disposed) return;
      replaceChildren(
        body,
        schedules.length === 0
          ? h('tr', null, h('td.empty', { colSpan: 6 }, 'No schedules yet.'))
          : schedules.map(row),
      );
      showError(null);
    } catch (error) {
      if (!disposed) showError(error);
    }
    if (!disposed) timer = setTimeout(load, REFRESH_MS);
  }

  load();
  return () => {
    disposed = true;
    clearTimeout(timer);
  };
}
