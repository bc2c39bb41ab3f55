// The dashboard's shell: the token form, the event stream, and a hash router over the views.

import { getToken, openEventStream, setToken } from './api.js';
import { applyFrame, applyHello } from './live.js';
import { showError } from './notice.js';
import { auditView } from './views/audit.js';
import { dashboardView } from './views/dashboard.js';
import { enqueueView } from './views/enqueue.js';
import { schedulesView } from './views/schedules.js';
import { taskView } from './views/task.js';

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const streamStatus = /** @type {HTMLElement} */ (document.getElementById('stream-status'));
const tokenForm = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
const tokenInput = /** @type {HTMLInputElement} */ (document.getElementById('token-input'));

const STREAM_LABELS = {
  connecting: 'connecting…',
  live: 'live',
  unauthorized: 'token needed',
  offline: 'reconnecting…',
};

const stream = openEventStream({
  onHello: applyHello,
  onFrame: applyFrame,
  onState(state) {
    streamStatus.dataset.state = state;
    streamStatus.textContent = STREAM_LABELS[state];
  },
});

tokenInput.value = getToken();
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(tokenInput.value.trim());
  showError(null);
  stream.restart();
  route();
});

/** @type {(() => void) | undefined} */
let leaveView;

function route() {
  leaveView?.();
  leaveView = undefined;
  showError(null);
  const hash = location.hash.replace(/^#/, '') || '/';
  const taskMatch = /^\/task\/([0-9a-fA-F-]{36})$/.exec(hash);
  let name = 'dashboard';
  if (taskMatch) {
    name = 'task';
    leaveView = taskView(view, taskMatch[1]);
  } else if (hash === '/audit') {
    name = 'audit';
    leaveView = auditView(view);
  } else if (hash === '/schedules') {
    name = 'schedules';
    leaveView = schedulesView(view);
  } else if (hash === '/enqueue') {
    name = 'enqueue';
    leaveView = enqueueView(view);
  } else {
    leaveView = dashboardView(view);
  }
  document.body.dataset.view = name;
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', /** @type {HTMLElement} */ (link).dataset.nav === name);
  }
}

window.addEventListener('hashchange', route);
route();
