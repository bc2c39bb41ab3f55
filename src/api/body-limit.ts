import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamedBodyLimit } from 'hono/body-limit';
import { AppError } from './errors.js';

/**
 * 413 for a body over `maxSize` bytes. A body with a Content-Length (nearly every client's) is
 * judged by the header alone, as hono's bodyLimit judges it too, but without touching
 * `c.req.raw.body`: on @hono/node-server that builds a full web Request (stream, AbortSignal)
 * and takes the JSON parse off its fast path, a third of a small request's CPU. A chunked body
 * (no Content-Length) is counted as it streams, by hono's bodyLimit.
 */
export function bodyLimit(maxSize: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new AppError('payload_too_large', `the request body is larger than ${maxSize} bytes`);
  };
  const streamed = streamedBodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const method = c.req.method;
    // Neither node-server nor a fetch Request carries a body on these.
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    if (Number.parseInt(length || '0', 10) > maxSize) tooLarge();
    return next();
  };
}
