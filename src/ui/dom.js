// Building DOM nodes without innerHTML, so task payloads and errors can never inject markup.

/**
 * @param {string} tag  e.g. 'div.card', 'button#retry.primary'
 * @param {Record<string, any> | null} [attributes]
 * @param {...any} children  strings, nodes, arrays, null/false (skipped)
 * @returns {HTMLElement}
 */
export function h(tag, attributes, ...children) {
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const element = document.createElement(name || 'div');
  for (const part of rest) {
    if (part.startsWith('.')) element.classList.add(part.slice(1));
    else element.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key in element && key !== 'list' && key !== 'form') element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** @param {Element} element @param {...any} children */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** @param {string | null | undefined} iso */
export function formatDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return `${date.toLocaleDateString()} ${formatTime(iso)}`;
}

/** @param {number | null | undefined} ms */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} m`;
}

/** @param {number} n */
export function formatCount(n) {
  return n.toLocaleString('en-US');
}

/** Ids are UUID v7: the head is a timestamp shared by neighbours, the tail tells them apart. */
export function shortId(id) {
  return id.length > 13 ? `…${id.slice(-12)}` : id;
}

/** @param {string} status */
export function statusBadge(status) {
  return h('span.badge', { dataset: { status } }, status);
}
