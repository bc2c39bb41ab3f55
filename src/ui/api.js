// Talks to the service's own HTTP API. The bearer token (when auth is on) lives in localStorage
// and goes in the Authorization header of every call, the event stream included: the stream is
// read with fetch, because EventSource cannot send headers.

const TOKEN_KEY = 'pgtask.token';

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

/** @param {string} token */
export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{code: string, message: string, details?: Array<{index?: number, field: string, message: string}>}} error
   */
  constructor(status, error) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.details = error.details ?? [];
  }
}

function headers(extra = {}) {
  const token = getToken();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

/**
 * @param {string} path
 * @param {{method?: string, body?: unknown}} [options]
 */
export async function api(path, options = {}) {
  const method = options.method ?? 'GET';
  const hasBody = options.body !== undefined;
  const response = await fetch(path, {
    method,
    headers: headers(hasBody ? { 'Content-Type': 'application/json' } : {}),
    body: hasBody ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.error ?? { code: `http_${response.status}`, message: response.statusText || 'request failed' },
    );
  }
  return data;
}

/**
 * Reads GET /events (server-sent events) and reconnects with backoff. Frames are batched by the
 * server (one `tasks` frame per window), so a burst of 50,000 tasks is a few frames a second.
 * @param {{
 *   onHello: (hello: any) => void,
 *   onFrame: (frame: any) => void,
 *   onState: (state: 'connecting' | 'live' | 'unauthorized' | 'offline') => void,
 * }} handlers
 * @returns {{close: () => void, restart: () => void}}
 */
export function openEventStream(handlers) {
  let controller = new AbortController();
  let closed = false;
  let retryMs = 500;
  let timer;

  const connect = async () => {
    handlers.onState('connecting');
    const signal = controller.signal;
    try {
      const response = await fetch('/events', { headers: headers({ Accept: 'text/event-stream' }), signal });
      if (response.status === 401 || response.status === 403) {
        handlers.onState('unauthorized');
        return; // waits for a new token (restart)
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      handlers.onState('live');
      retryMs = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn('event stream', error);
    }
    if (closed || signal.aborted) return;
    handlers.onState('offline');
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(10_000, retryMs * 2);
  };

  /** @param {string} block */
  const dispatch = (block) => {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) return;
    const parsed = JSON.parse(data.join('\n'));
    if (event === 'hello') handlers.onHello(parsed);
    else if (event === 'tasks') handlers.onFrame(parsed);
  };

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      controller.abort();
    },
    restart() {
      clearTimeout(timer);
      controller.abort();
      controller = new AbortController();
      connect();
    },
  };
}
