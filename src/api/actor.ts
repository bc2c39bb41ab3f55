import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Actor } from '../model/audit.js';
import type { ApiEnv } from './request-context.js';

/**
 * Who is asking, for the audit log: the token's name (`anonymous` when auth is off), the client's
 * address as the socket shows it (a proxy's X-Forwarded-For is not trusted: any client can send
 * one), and the request id that ties the row to the log line.
 */
export function actorOf(c: Context<ApiEnv>): Actor {
  return {
    name: c.get('principal')?.name ?? 'anonymous',
    address: clientAddress(c),
    requestId: c.get('requestId'),
  };
}

function clientAddress(c: Context<ApiEnv>): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests, or another runtime: no socket to ask
  }
}
