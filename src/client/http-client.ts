import createFetchClient, { type Client } from 'openapi-fetch';
import type { paths } from './openapi-types.js';

/** Every route of the served OpenAPI document, typed: `client.POST('/workers/claim', { body })`. */
export type PgtaskClient = Client<paths>;

export interface ClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A bearer token of `api.authTokens` (scope `worker` is enough for the worker protocol). */
  token?: string;
  /** Another fetch (a proxy agent, a test double); the global fetch by default. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/**
 * A typed HTTP client of pgtask, generated from the OpenAPI document (openapi-typescript types,
 * openapi-fetch calls): paths, bodies and answers are checked by the compiler. Calls answer
 * `{ data, error, response }`; they throw only when the server cannot be reached.
 */
export function createClient(options: ClientOptions): PgtaskClient {
  return createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: {
      ...options.headers,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
