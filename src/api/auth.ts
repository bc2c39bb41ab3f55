import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { TokenConfig } from '../config/schema.js';
import { AppError } from './errors.js';
import type { ApiEnv } from './request-context.js';

/** Probes stay open so orchestrators need no secret. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What a `worker` token may call: the HTTP worker protocol, nothing else. */
const WORKER_ROUTE = /^\/(workers\/claim|task\/[^/]+\/(heartbeat|complete|fail))$/;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Bearer tokens from config (`api.authTokens` / API_TOKENS). Tokens are compared as SHA-256
 * digests with timingSafeEqual, and every configured token is compared on every request, so the
 * time taken says nothing about which token or how much of it matched. No tokens = no auth.
 */
export function bearerAuth(tokens: readonly TokenConfig[]): MiddlewareHandler<ApiEnv> {
  const known = tokens.map((token) => ({
    name: token.name,
    scope: token.scope,
    digest: sha256(token.token),
  }));
  return async (c, next) => {
    if (known.length === 0 || PUBLIC_PATHS.has(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match)
      throw unauthorized(
        header ? 'the Authorization header must be "Bearer <token>"' : 'a bearer token is required',
      );
    const presented = sha256(match[1]!);
    let found: (typeof known)[number] | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented) && !found) found = candidate;
    }
    if (!found) throw unauthorized('the bearer token is not valid');
    if (found.scope === 'read' && !READ_METHODS.has(c.req.method)) {
      throw new AppError('forbidden', `token "${found.name}" has read scope; ${c.req.method} needs admin`);
    }
    if (found.scope === 'worker' && !(c.req.method === 'POST' && WORKER_ROUTE.test(c.req.path))) {
      throw new AppError(
        'forbidden',
        `token "${found.name}" has worker scope: only POST /workers/claim and /task/{id}/heartbeat, /complete, /fail`,
      );
    }
    c.set('principal', { name: found.name, scope: found.scope });
    return next();
  };
}

function unauthorized(message: string): AppError {
  return new AppError('unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer realm="pgtask"' });
}

/** For reads that need more than read scope (the audit log names tokens and addresses). */
export function requireAdmin(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (principal && principal.scope !== 'admin') {
      throw new AppError('forbidden', `token "${principal.name}" has read scope; ${c.req.path} needs admin`);
    }
    return next();
  };
}
