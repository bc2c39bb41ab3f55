import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface HttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 1000;

/** Anything with hono's `fetch` (a Hono or OpenAPIHono app of any env). */
export interface FetchApp {
  fetch: Parameters<typeof serve>[0]['fetch'];
}

export function startHttpServer(
  app: FetchApp,
  options: { host: string; port: number; requestTimeout?: number; headersTimeout?: number },
): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }) as Server;
    // Slow clients are cut off instead of holding sockets open.
    if (options.requestTimeout) server.requestTimeout = options.requestTimeout;
    if (options.headersTimeout)
      server.headersTimeout = Math.min(options.headersTimeout, server.requestTimeout || Infinity);
    server.keepAliveTimeout = 5_000;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        // Requests in flight get a moment to finish; long-lived streams (SSE, a dashboard left
        // open) would otherwise hold shutdown forever, so whatever is still open is then cut.
        close: () =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
