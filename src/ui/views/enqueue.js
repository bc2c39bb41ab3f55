// Enqueue one task of any registered type. The payload is checked as you type against the JSON
// Schema GET /task-types derives from the zod schema the API validates with; the API checks
// again on submit and its answer (every bad field) is shown the same way.

import { api } from '../api.js';
import { h, replaceChildren, shortId, statusBadge } from '../dom.js';
import { example, validate } from '../json-schema.js';
import { live, onFrame } from '../live.js';
import { showError } from '../notice.js';

/** Tasks enqueued from this page (this session), newest first, with their live status. */
const submitted = [];

/** @param {HTMLElement} root @returns {() => void} */
export function enqueueView(root) {
  /** @type {any[]} */
  let types = [];
  const typeSelect = /** @type {HTMLSelectElement} */ (
    h('select#enqueue-type', { name: 'type', required: true })
  );
  const queueInput = /** @type {HTMLInputElement} */ (
    h('input#enqueue-queue', { name: 'queue', placeholder: 'default', list: 'queue-names' })
  );
  queueInput.setAttribute('list', 'queue-names');
  const queueNames = h('datalist#queue-names');
  const priorityInput = /** @type {HTMLInputElement} */ (
    h('input#enqueue-priority', { name: 'priority', type: 'number', step: 1, placeholder: '0' })
  );
  const retriesInput = /** @type {HTMLInputElement} */ (
    h('input#enqueue-retries', {
      name: 'maxRetries',
      type: 'number',
      min: 0,
      step: 1,
      placeholder: 'type default',
    })
  );
  const delayInput = /** @type {HTMLInputElement} */ (
    h('input#enqueue-delay', { name: 'delay', placeholder: 'e.g. 5s, 1m30s' })
  );
  const keyInput = /** @type {HTMLInputElement} */ (
    h('input#enqueue-key', { name: 'key', placeholder: 'optional' })
  );
  const payloadInput = /** @type {HTMLTextAreaElement} */ (
    h('textarea#enqueue-payload', { name: 'payload', rows: 10, spellcheck: false })
  );
  const schemaHint = h('div.schema-hint');
  const problemsList = h('ul.problems', { id: 'enqueue-problems' });
  const submitButton = /** @type {HTMLButtonElement} */ (
    h('button.primary#enqueue-submit', { type: 'submit' }, 'Enqueue')
  );
  const submittedList = h('ul.task-list', { id: 'enqueued-list' });

  const form = h(
    'form.enqueue',
    { id: 'enqueue-form', novalidate: true, onsubmit: (event) => submit(event) },
    h('label', null, 'Type', typeSelect),
    h('label', null, 'Queue', queueInput, queueNames),
    h('label', null, 'Priority', priorityInput),
    h('label', null, 'Max retries', retriesInput),
    h('label', null, 'Delay', delayInput),
    h('label', null, 'Dedupe key', keyInput),
    h('label.wide', null, 'Payload (JSON)', payloadInput),
    h('div.wide', null, schemaHint, problemsList),
    h('div.wide', null, submitButton),
  );

  replaceChildren(
    root,
    h(
      'div.columns',
      null,
      h('section.card', { id: 'enqueue-card' }, h('h2', null, 'Enqueue a task'), form),
      h('section.card', null, h('h2', null, 'Enqueued from this page'), submittedList),
    ),
  );

  const currentType = () => types.find((type) => type.type === typeSelect.value);

  function selectType() {
    const type = currentType();
    if (!type) return;
    payloadInput.value = JSON.stringify(example(type.payloadSchema), null, 2);
    // An external type's tasks go to its own queue (HTTP workers claim them there).
    queueInput.placeholder = type.queue ?? 'default';
    const properties = type.payloadSchema.properties ?? {};
    const required = new Set(type.payloadSchema.required ?? []);
    replaceChildren(
      schemaHint,
      type.description ? h('p.muted', null, type.description) : null,
      type.external ? h('p.muted', null, `Run by HTTP workers, from queue ${type.queue}.`) : null,
      h(
        'p.muted',
        null,
        'Fields: ',
        Object.entries(properties).map(([name, schema], index) => [
          index > 0 ? ', ' : '',
          h(required.has(name) ? 'strong' : 'span', null, name),
          ` (${describe(schema)})`,
        ]),
      ),
    );
    check();
  }

  /** @returns {{payload?: unknown, problems: Array<{path: string, message: string}>}} */
  function check() {
    const type = currentType();
    let payload;
    /** @type {Array<{path: string, message: string}>} */
    let problems = [];
    const text = payloadInput.value.trim();
    try {
      payload = text ? JSON.parse(text) : {};
    } catch (error) {
      problems = [{ path: '', message: `not valid JSON: ${error.message}` }];
    }
    if (problems.length === 0 && type) problems = validate(type.payloadSchema, payload);
    showProblems(
      problems.map((problem) => `payload${problem.path ? `.${problem.path}` : ''} ${problem.message}`),
    );
    submitButton.disabled = problems.length > 0 || !type;
    return { payload, problems };
  }

  function showProblems(lines) {
    replaceChildren(
      problemsList,
      lines.map((line) => h('li', null, line)),
    );
    payloadInput.classList.toggle('invalid', lines.length > 0);
  }

  async function submit(event) {
    event.preventDefault();
    const { payload, problems } = check();
    if (problems.length > 0) return;
    const task = { taskType: typeSelect.value, payload };
    if (queueInput.value.trim()) task.queue = queueInput.value.trim();
    if (priorityInput.value !== '') task.priority = Number(priorityInput.value);
    if (retriesInput.value !== '') task.maxRetries = Number(retriesInput.value);
    if (delayInput.value.trim()) task.delay = delayInput.value.trim();
    if (keyInput.value.trim()) task.key = keyInput.value.trim();
    submitButton.disabled = true;
    try {
      const answer = await api('/tasks/enqueue', { method: 'POST', body: { tasks: [task] } });
      showError(null);
      for (const created of answer.tasks) {
        submitted.unshift({
          id: created.id,
          type: created.taskType,
          queue: created.queue,
          status: created.status,
        });
      }
      if (answer.duplicates > 0)
        showProblems([`a task with key "${task.key}" is already waiting or running`]);
      renderSubmitted();
    } catch (error) {
      if (error.details?.length) {
        showProblems(error.details.map((detail) => `${detail.field} ${detail.message}`));
      } else showError(error);
    } finally {
      submitButton.disabled = false;
    }
  }

  function renderSubmitted() {
    if (submitted.length === 0) {
      replaceChildren(submittedList, h('li.empty', null, 'Nothing yet.'));
      return;
    }
    replaceChildren(
      submittedList,
      submitted.slice(0, 20).map((task) => {
        const seen = live.statuses.get(task.id);
        if (seen) task.status = seen.status;
        return h(
          'li',
          { dataset: { taskId: task.id } },
          h('a.mono', { href: `#/task/${task.id}`, title: task.id }, shortId(task.id)),
          h('span', null, task.type),
          h('span.muted', null, task.queue),
          h('span.task-status', null, statusBadge(task.status)),
        );
      }),
    );
  }

  payloadInput.addEventListener('input', () => check());
  typeSelect.addEventListener('change', () => selectType());
  const stopFrames = onFrame((frame) => {
    if (frame.events.some((event) => submitted.some((task) => task.id === event.taskId))) renderSubmitted();
  });
  renderSubmitted();

  Promise.all([api('/task-types'), api('/queues').catch(() => ({ queues: [] }))])
    .then(([answer, queueAnswer]) => {
      types = answer.types;
      replaceChildren(
        typeSelect,
        types.map((type) => h('option', { value: type.type }, type.type)),
      );
      replaceChildren(
        queueNames,
        queueAnswer.queues.map((queue) => h('option', { value: queue.name })),
      );
      selectType();
    })
    .catch((error) => showError(error));

  return () => stopFrames();
}

function describe(schema) {
  if (!schema) return 'any';
  const type = Array.isArray(schema.type) ? schema.type.join('|') : (schema.type ?? 'any');
  if (type === 'array') return `list of ${describe(schema.items)}`;
  const extra = [];
  if (schema.format) extra.push(schema.format);
  if (typeof schema.minimum === 'number' || typeof schema.maximum === 'number') {
    extra.push(`${schema.minimum ?? ''}…${schema.maximum ?? ''}`);
  }
  return extra.length ? `${type}, ${extra.join(', ')}` : type;
}
