import pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * One dedicated LISTEN connection per node. It reconnects by itself after the server restarts
 * or kills it, and calls `onReconnect` so the caller can catch up on what it missed.
 */
export class Notifier {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = 250;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      /** A connection string or the settings of a pool's connections. */
      url: string | pg.ClientConfig;
      channels: readonly string[];
      onNotification: (channel: string, payload: string) => void;
      onReconnect: () => void;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const { url } = this.options;
    const settings = typeof url === 'string' ? { connectionString: url } : url;
    const client = new pg.Client({ ...settings, application_name: 'pgtask-listener' });
    client.on('notification', (message) =>
      this.options.onNotification(message.channel, message.payload ?? ''),
    );
    client.on('error', (error) => {
      this.options.log.warn({ error: error.message }, 'LISTEN connection lost');
      this.#reconnectLater(client);
    });
    client.on('end', () => this.#reconnectLater(client));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`listen ${channel}`);
      this.#client = client;
      this.#retryMs = 250;
    } catch (error) {
      await client.end().catch(() => {});
      if (this.#closed) return;
      this.options.log.warn(
        { error: (error as Error).message, retryInMs: this.#retryMs },
        'LISTEN connection failed',
      );
      this.#reconnectLater(client);
      return;
    }
  }

  #reconnectLater(client: pg.Client): void {
    if (this.#closed || this.#timer) return;
    if (this.#client === client) this.#client = undefined;
    client.end().catch(() => {});
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      await this.#connect();
      if (this.#client) this.options.onReconnect();
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(5000, this.#retryMs * 2);
  }
}
