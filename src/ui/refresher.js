// Refreshes that follow the event stream without hammering the API: a request marks the data
// stale; the load runs at most once per `minIntervalMs`, never twice at the same time, and at
// least every `maxIntervalMs` even when nothing happens (catches what a sampled frame left out).
// After a load that a request triggered, one more follows `settleMs` later: the server caches
// queue counts for ~2 s, so the last burst of events is only visible a moment after it ends.

/**
 * @param {() => Promise<void>} load
 * @param {{minIntervalMs: number, maxIntervalMs: number, settleMs?: number}} options
 */
export function refresher(load, options) {
  let running = false;
  let stale = false;
  let lastRun = 0;
  let timer;
  let disposed = false;
  let requested = false;

  const run = async () => {
    timer = undefined;
    if (disposed) return;
    if (running) {
      stale = true;
      return;
    }
    running = true;
    stale = false;
    const triggered = requested;
    requested = false;
    lastRun = Date.now();
    try {
      await load();
    } finally {
      running = false;
      if (!disposed) {
        if (stale) schedule(options.minIntervalMs);
        else if (triggered) schedule(options.settleMs ?? 2500);
        else schedule(options.maxIntervalMs);
      }
    }
  };

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, delay));
  };

  run();
  return {
    /** Something changed: load again soon. */
    request() {
      if (disposed) return;
      requested = true;
      if (running) {
        stale = true;
        return;
      }
      const due = lastRun + options.minIntervalMs - Date.now();
      schedule(due);
    },
    /** Load again now (after a user action). */
    now() {
      if (disposed) return;
      if (running) stale = true;
      else schedule(0);
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
