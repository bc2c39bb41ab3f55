import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface HttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

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
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
