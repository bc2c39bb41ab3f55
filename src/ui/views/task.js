// One task: status, payload, result, error, why it waits, who retried or cancelled it, and its
// history as a timeline.
// Follows the event stream; polls slowly while unfinished, in case a busy window was sampled.

import { api } from '../api.js';
import {
  formatDateTime,
  formatDuration,
  formatTime,
  h,
  replaceChildren,
  shortId,
  statusBadge,
} from '../dom.js';
import { onFrame } from '../live.js';
import { showError } from '../notice.js';
import { refresher } from '../refresher.js';
import { actionLabel } from './audit.js';

const FINAL = new Set(['succeeded', 'dead', 'cancelled']);

/** @param {HTMLElement} root @param {string} id @returns {() => void} */
export function taskView(root, id) {
  replaceChildren(root, h('section.card', null, h('p.muted', null, 'Loading task…')));
  let status = '';

  const load = refresher(
    async () => {
      try {
        const task = await api(`/task/${id}`);
        status = task.status;
        render(task);
        showError(null);
      } catch (error) {
        if (error?.status === 404) {
          replaceChildren(
            root,
            h('section.card', null, h('h2', null, 'No such task'), h('p.mono', null, id)),
          );
        } else showError(error);
      }
    },
    { minIntervalMs: 500, maxIntervalMs: 3000 },
  );

  const stopFrames = onFrame((frame) => {
    if (frame.events.some((event) => event.taskId === id) || (!FINAL.has(status) && frame.omitted > 0)) {
      load.request();
    }
  });

  async function act(action) {
    try {
      await api(`/task/${id}/${action}`, { method: 'POST' });
      load.now();
    } catch (error) {
      showError(error);
    }
  }

  function render(task) {
    const actions = [];
    if (task.status === 'dead' || task.status === 'cancelled') {
      actions.push(
        h('button.primary', { id: 'task-retry', type: 'button', onclick: () => act('retry') }, 'Retry'),
      );
    }
    if (!FINAL.has(task.status)) {
      actions.push(
        h('button.danger', { id: 'task-cancel', type: 'button', onclick: () => act('cancel') }, 'Cancel'),
      );
    }
    const fields = [
      ['Type', task.taskType],
      ['Queue', task.queue],
      ['Priority', task.priority],
      ['Attempts', `${task.attempts} of ${task.maxAttempts}`],
      ['Backoff', task.backOffDuration],
      ['Timeout', formatDuration(task.timeoutMs)],
      ['Key', task.key ?? '—'],
      ['Created', `${formatDateTime(task.createdAt)}${task.createdBy ? ` by ${task.createdBy}` : ''}`],
      ['Run at', formatDateTime(task.runAt)],
      ['Started', formatDateTime(task.startedAt)],
      ['Finished', formatDateTime(task.finishedAt)],
      ['Held by', task.lockedBy ?? '—'],
    ];
    replaceChildren(
      root,
      h(
        'section.card',
        { id: 'task-card' },
        h(
          'div.card-head',
          null,
          h(
            'h2',
            null,
            'Task ',
            h('span.mono', null, task.id),
            ' ',
            h('span#task-status', null, statusBadge(task.status)),
          ),
          h('div.actions', null, actions),
        ),
        task.waitingFor
          ? h('p.waiting', { id: 'task-waiting' }, `Waiting: ${task.waitingFor.message}`)
          : null,
        task.progress ? progressBar(task.progress) : null,
        task.operatorActions?.length
          ? h(
              'ul.operator-actions',
              { id: 'task-operator-actions' },
              task.operatorActions.map((entry) =>
                h(
                  'li',
                  null,
                  `${actionLabel(entry.action)} by ${entry.actor} at ${formatDateTime(entry.at)}`,
                ),
              ),
            )
          : null,
        h(
          'dl.fields',
          null,
          fields.map(([label, value]) => [h('dt', null, label), h('dd', null, String(value))]),
        ),
      ),
      h(
        'div.columns',
        null,
        h('section.card', null, h('h3', null, 'Payload'), h('pre#task-payload', null, pretty(task.payload))),
        h('section.card', null, h('h3', null, 'Result'), h('pre#task-result', null, pretty(task.result))),
      ),
      task.dependsOn?.length || task.dependents?.length ? workflowCard(task) : null,
      task.error
        ? h(
            'section.card',
            null,
            h('h3', null, 'Last error'),
            h('pre.error-text#task-error', null, task.error),
          )
        : null,
      h(
        'section.card',
        null,
        h('h3', null, 'History'),
        h(
          'ol.timeline',
          { id: 'task-history' },
          task.history.map((entry, index) => {
            const previous = task.history[index - 1];
            const gap = previous ? Date.parse(entry.at) - Date.parse(previous.at) : null;
            return h(
              'li',
              { dataset: { status: entry.toStatus } },
              h('span.when', null, formatTime(entry.at)),
              h(
                'span',
                null,
                entry.fromStatus ? `${entry.fromStatus} → ` : 'created as ',
                statusBadge(entry.toStatus),
              ),
              h('span.muted', null, `attempt ${entry.attempt}`),
              gap !== null ? h('span.muted', null, `+${formatDuration(gap)}`) : null,
              entry.nodeId ? h('span.muted.mono', null, entry.nodeId.slice(0, 8)) : null,
              entry.error ? h('span.error', null, entry.error) : null,
            );
          }),
        ),
      ),
    );
  }

  return () => {
    stopFrames();
    load.dispose();
  };
}

/**
 * Its parents (with their status now) and the tasks that wait for it, as links.
 * @param {any} task
 */
function workflowCard(task) {
  /** @param {string} id */
  const link = (id) => h('a.mono', { href: `#/task/${id}`, title: id }, shortId(id));
  return h(
    'section.card',
    { id: 'task-workflow' },
    h('h3', null, 'Workflow'),
    task.dependsOn?.length
      ? h(
          'div',
          { id: 'task-parents' },
          h(
            'h4',
            null,
            'Depends on',
            task.onParentFailure === 'run' ? h('span.muted', null, ' (runs even if a parent fails)') : null,
          ),
          h(
            'ul.task-list',
            null,
            task.dependsOn.map((/** @type {{id: string, status: string | null}} */ parent) =>
              h('li', null, link(parent.id), ' ', parent.status ? statusBadge(parent.status) : 'removed'),
            ),
          ),
        )
      : null,
    task.dependents?.length
      ? h(
          'div',
          { id: 'task-children' },
          h('h4', null, 'Needed by'),
          h(
            'ul.task-list',
            null,
            task.dependents.map((/** @type {string} */ id) => h('li', null, link(id))),
          ),
        )
      : null,
  );
}

/** @param {{fraction: number, message: string | null, at: string}} progress */
function progressBar(progress) {
  const percent = Math.round(progress.fraction * 100);
  return h(
    'div.progress',
    { id: 'task-progress', title: `reported ${formatDateTime(progress.at)}` },
    h('progress', { max: 100, value: percent }),
    h('span', null, `${percent}%${progress.message ? ` · ${progress.message}` : ''}`),
  );
}

function pretty(value) {
  return value === null || value === undefined ? '—' : JSON.stringify(value, null, 2);
}
