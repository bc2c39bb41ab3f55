// The dashboard's Workers card: the HTTP workers heard from in the last 15 minutes (GET /workers),
// with when each was last seen and how many tasks it holds now. A worker silent for longer than
// a minute is shown as idle, so one that died stands out before its leases run out.

import { api } from '../api.js';
import { formatCount, formatDuration, formatTime, h, replaceChildren } from '../dom.js';

const QUIET_AFTER_MS = 60_000;

/** @returns {{ element: HTMLElement, load: () => Promise<void> }} */
export function workersCard() {
  const body = h('tbody');
  const count = h('span.muted');
  const element = h(
    'section.card',
    { id: 'workers-card' },
    h('h2', null, 'Workers ', count, h('span.muted', null, ' · HTTP workers, last 15 minutes')),
    h(
      'table.workers',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'Worker'),
          h('th', null, 'Last seen'),
          h('th.num', null, 'Tasks held'),
          h('th', null, 'First seen'),
        ),
      ),
      body,
    ),
  );

  async function load() {
    const { workers } = await api('/workers');
    count.textContent = `(${formatCount(workers.length)})`;
    if (workers.length === 0) {
      replaceChildren(
        body,
        h('tr', null, h('td.empty', { colSpan: 4 }, 'No HTTP worker has claimed lately.')),
      );
      return;
    }
    const now = Date.now();
    replaceChildren(
      body,
      workers.map((worker) => {
        const silentMs = now - Date.parse(worker.lastSeenAt);
        return h(
          'tr',
          { dataset: { worker: worker.name } },
          h('td', null, h('strong', null, worker.name)),
          h(
            'td',
            { title: worker.lastSeenAt },
            formatTime(worker.lastSeenAt),
            h('span.muted', null, ` · ${formatDuration(Math.max(0, silentMs))} ago`),
            silentMs > QUIET_AFTER_MS ? h('span.badge', { dataset: { status: 'idle' } }, 'idle') : null,
          ),
          h('td.num', { dataset: { count: 'running' } }, formatCount(worker.running)),
          h('td', null, formatTime(worker.firstSeenAt)),
        );
      }),
    );
  }

  return { element, load };
}
