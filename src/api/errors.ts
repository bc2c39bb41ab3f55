import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { EngineError } from '../engine/types.js';

/** Every code a client can see, and the one place that decides its HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  task_not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  lease_lost: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  backlog_full: 429,
  internal: 500,
  decryption_failed: 500,
  not_ready: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One bad field of a request: `index` names the task of a batch it belongs to. */
export interface FieldProblem {
  index?: number;
  field: string;
  message: string;
}

/** Routes and middleware throw this; `toErrorResponse` turns it into `{error: {code, message, details?}}`. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Whatever was thrown becomes an AppError; anything we did not anticipate is a bare 500. */
export function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  if (thrown instanceof EngineError) return fromEngineError(thrown);
  if (thrown instanceof HTTPException) return fromHttpException(thrown);
  // An encrypted payload or result whose key is not configured (or wrong): the server's setup,
  // not the request, is at fault, and the message says which key is missing.
  if (thrown instanceof Error && thrown.name === 'DecryptionError') {
    return new AppError('decryption_failed', thrown.message);
  }
  if (isDatabaseUnavailable(thrown)) {
    return new AppError('not_ready', 'the database is not reachable right now; retry shortly', undefined, {
      'Retry-After': '2',
    });
  }
  return new AppError('internal', 'internal error');
}

function fromEngineError(error: EngineError): AppError {
  switch (error.code) {
    case 'validation_failed':
      return new AppError('validation_failed', error.message, normaliseEngineDetails(error.details));
    case 'backlog_full':
      return new AppError('backlog_full', error.message, undefined, { 'Retry-After': '1' });
    case 'not_ready':
      return new AppError('not_ready', error.message, undefined, { 'Retry-After': '1' });
    default:
      return new AppError(error.code, error.message, error.details);
  }
}

function normaliseEngineDetails(details: unknown): FieldProblem[] | undefined {
  if (!Array.isArray(details)) return undefined;
  return details.map((item: { index?: number; path?: unknown; field?: string; message?: string }) => ({
    ...(typeof item.index === 'number' ? { index: item.index } : {}),
    field: item.field ?? (Array.isArray(item.path) ? item.path.join('.') : String(item.path ?? '')),
    message: String(item.message ?? 'invalid'),
  }));
}

function fromHttpException(error: HTTPException): AppError {
  switch (error.status) {
    case 400:
      return new AppError('invalid_json', 'the request body is not valid JSON');
    case 401:
      return new AppError('unauthorized', 'a bearer token is required');
    case 404:
      return new AppError('not_found', 'no such endpoint');
    case 413:
      return new AppError('payload_too_large', 'the request body is too large');
    case 415:
      return new AppError('unsupported_media_type', 'send the body as application/json');
    default:
      return error.status >= 500
        ? new AppError('internal', 'internal error')
        : new AppError('validation_failed', error.message || 'bad request');
  }
}

export function errorResponse(c: Context, error: AppError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
  return c.json(body, error.status);
}

/** Lost or refused connections and server shutdowns: the request may simply be tried again. */
function isDatabaseUnavailable(thrown: unknown): boolean {
  if (!(thrown instanceof Error)) return false;
  const code = (thrown as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now).
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    // Too many connections; a database closed to new connections (ALTER DATABASE … ALLOW_CONNECTIONS).
    if (
      code === '53300' ||
      (code === '55000' && /not currently accepting connections/.test(thrown.message))
    ) {
      return true;
    }
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE')
      return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    thrown.message,
  );
}
