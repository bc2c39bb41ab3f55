// The operator audit log: who retried, cancelled, paused or changed what, newest first, with
// "Older" paging (keyset: the last id seen). Needs an admin token when auth is on.

import { api } from '../api.js';
import { formatDateTime, h, replaceChildren, shortId } from '../dom.js';
import { showError } from '../notice.js';

const PAGE_SIZE = 50;

/** Past-tense labels for the kinds the server writes; anything newer is shown as sent. */
export const ACTION_LABELS = {
  'task.retry': 'retried',
  'task.cancel': 'cancelled',
  'dead_letter.retry': 'retried as a dead letter',
  'queue.pause': 'paused',
  'queue.resume': 'resumed',
  'queue.limits': 'changed the limits of',
  'schedule.create': 'created',
  'schedule.update': 'changed',
  'schedule.delete': 'deleted',
  'schedule.pause': 'paused',
  'schedule.resume': 'resumed',
};

/** @param {string} action */
export function actionLabel(action) {
  return ACTION_LABELS[action] ?? action;
}

/** @param {HTMLElement} root @returns {() => void} */
export function auditView(root) {
  const body = h('tbody', { id: 'audit-rows' });
  const older = h(
    'button',
    { id: 'audit-older', type: 'button', hidden: true, onclick: () => load() },
    'Older',
  );
  /** @type {number | undefined} */
  let after;
  let disposed = false;

  replaceChildren(
    root,
    h(
      'section.card',
      { id: 'audit-card' },
      h(
        'div.card-head',
        null,
        h('h2', null, 'Audit log', h('span.muted', null, ' · operator actions, newest first')),
        h('button', { id: 'audit-refresh', type: 'button', onclick: () => reload() }, 'Refresh'),
      ),
      h(
        'table.audit',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['When', 'Who', 'From', 'Did', 'Target', 'Tasks'].map((label) =>
              h(label === 'Tasks' ? 'th.num' : 'th', null, label),
            ),
          ),
        ),
        body,
      ),
      h('div.actions', null, older),
    ),
  );

  function target(entry) {
    if (entry.targetType === 'task' && entry.target) {
      return h('a.mono', { href: `#/task/${entry.target}`, title: entry.target }, shortId(entry.target));
    }
    return entry.target ? `${entry.targetType} ${entry.target}` : entry.targetType;
  }

  function row(entry) {
    return h(
      'tr',
      { dataset: { auditId: String(entry.id), action: entry.action } },
      h('td', { title: entry.at }, formatDateTime(entry.at)),
      h('td.actor', null, entry.actor),
      h('td.mono', null, entry.address ?? '—'),
      h('td', { title: entry.action }, actionLabel(entry.action)),
      h('td', null, target(entry)),
      h('td.num', null, String(entry.taskCount)),
    );
  }

  async function load() {
    try {
      const page = await api(`/audit?limit=${PAGE_SIZE}${after !== undefined ? `&after=${after}` : ''}`);
      if (disposed) return;
      if (after === undefined) body.replaceChildren();
      for (const entry of page.entries) body.append(row(entry));
      if (body.childElementCount === 0) {
        body.append(h('tr', null, h('td.empty', { colSpan: 6 }, 'No operator actions yet.')));
      }
      after = page.next;
      older.hidden = page.next === undefined;
      showError(null);
    } catch (error) {
      showError(error);
    }
  }

  function reload() {
    after = undefined;
    load();
  }

  reload();
  return () => {
    disposed = true;
  };
}
