import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ERROR_STATUS, type ErrorCode } from './errors.js';
import type { ApiEnv } from './request-context.js';
import { errorSchema } from './schemas.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `details` lists every bad field (by task index for a batch)',
  401: 'A bearer token is required (only when `api.authTokens` is set)',
  403: 'The token has read scope',
  404: 'Not found',
  409: 'The task is in a state that does not allow this',
  413: 'The body is larger than `api.bodyLimit` or holds more than `api.maxTasksPerRequest` tasks',
  415: 'The body must be application/json',
  429: 'Rate limited, or the backlog limit is reached; see Retry-After',
  503: 'Not ready (database unreachable or migrations pending)',
};

/** The error responses a route can give, declared with the one error schema. */
export function errorResponses(...statuses: Array<keyof typeof DESCRIPTIONS>) {
  const common = [401, 403, 429] as const;
  return Object.fromEntries(
    [...new Set([...statuses, ...common])].map((status) => [
      status,
      { description: DESCRIPTIONS[status]!, content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
}

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** /openapi.json (generated from the routes' zod schemas) and the Swagger UI at /docs. */
export function registerDocs(app: OpenAPIHono<ApiEnv>, options: { auth: boolean }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token from `api.authTokens` (or API_TOKENS), enforced only when tokens are configured' +
      (options.auth ? ' (they are on this server)' : ' (none are on this server)') +
      '. Scopes: read (GET only), worker (the HTTP worker protocol only), admin (everything).',
  });
  // OpenAPI 3.1: "any JSON" is `{}` and a nullable field is a type union, both well-formed (3.0
  // has no way to say "any value, null included").
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'pgtask',
      version: '0.1.0',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      description:
        'A priority task processor on PostgreSQL. Errors are always `{"error": {"code", "message", "details"?}}`; ' +
        `codes: ${Object.keys(ERROR_STATUS as Record<ErrorCode, number>).join(', ')}.`,
    },
    servers: [{ url: '/', description: 'This server' }],
    // Every operation needs a token when tokens are configured, but the probes (security: []).
    security: [{ bearer: [] }],
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
}
