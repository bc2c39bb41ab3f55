import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { PUBLIC_PATHS } from './auth.js';
import { AppError } from './errors.js';
import type { ApiEnv } from './request-context.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per client: `burst` requests at once, refilled at `requestsPerSecond`. The key
 * is the bearer token's name when auth is on, else the client's IP (the socket's, not a header a
 * client could forge). Time comes from `now` so tests can move it.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(options: { requestsPerSecond: number; burst: number; now?: () => number }) {
    this.#rate = options.requestsPerSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
  }

  /** 0 when the request may go ahead, else the seconds to wait before the next one would. */
  take(key: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.#rate;
  }

  /** Buckets that have refilled completely carry no state worth keeping. */
  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate >= this.#burst)
        this.#buckets.delete(key);
    }
  }
}

export function rateLimit(options: { requestsPerSecond: number; burst: number }): MiddlewareHandler<ApiEnv> {
  if (options.requestsPerSecond <= 0) return (_c, next) => next();
  const limiter = new RateLimiter(options);
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const principal = c.get('principal');
    const key = principal ? `token:${principal.name}` : `ip:${clientAddress(c)}`;
    const wait = limiter.take(key);
    if (wait > 0) {
      throw new AppError('rate_limited', 'too many requests; slow down', undefined, {
        'Retry-After': String(Math.max(1, Math.ceil(wait))),
      });
    }
    return next();
  };
}

function clientAddress(c: Parameters<MiddlewareHandler<ApiEnv>>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
}
