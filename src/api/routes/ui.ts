import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { z as zod } from 'zod';
import type { TaskRegistry } from '../../tasks/registry.js';
import { errorResponses, jsonContent } from '../openapi.js';
import { createRouter } from '../validation.js';

const UI_FOLDER = fileURLToPath(new URL('../../ui/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The page runs only its own scripts and talks only to this origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: string;
  type: string;
}

/** The files under src/ui, read once: the set of servable paths is fixed, so no path is ever joined from a URL. */
function loadAssets(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (CONTENT_TYPES[extname(entry.name)]) {
        assets.set(`${prefix}${entry.name}`, {
          body: readFileSync(join(dir, entry.name), 'utf8'),
          type: CONTENT_TYPES[extname(entry.name)]!,
        });
      }
    }
  };
  walk(folder, '');
  return assets;
}

/**
 * GET / (the dashboard) and GET /ui/… (its modules and styles). Public on purpose: the page holds
 * no data; everything it shows comes from the API with the token the user types in.
 */
export function uiRoutes(options: { folder?: string } = {}) {
  const assets = loadAssets(options.folder ?? UI_FOLDER);
  const router = new Hono();
  const serve = (name: string) => {
    const asset = assets.get(name);
    if (!asset) return undefined;
    return new Response(asset.body, {
      headers: {
        'Content-Type': asset.type,
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      },
    });
  };
  router.get('/', () => serve('index.html')!);
  router.get('/ui/*', (c, next) => serve(c.req.path.slice('/ui/'.length)) ?? next());
  return router;
}

const taskTypeSchema = z
  .object({
    type: z.string(),
    description: z.string().optional(),
    thread: z.boolean(),
    external: z
      .boolean()
      .openapi({ description: 'Run by HTTP workers (POST /workers/claim), not by the nodes' }),
    queue: z.string().optional().openapi({ description: 'For an external type: the queue its tasks go to' }),
    defaults: z
      .object({
        timeoutMs: z.number().optional(),
        maxRetries: z.number().optional(),
        backoffMs: z.number().optional(),
      })
      .optional(),
    payloadSchema: z.record(z.string(), z.unknown()),
  })
  .openapi('TaskType');

/** JSON Schema of a payload, from the zod schema the engine validates with. */
function payloadJsonSchema(schema: zod.ZodType): Record<string, unknown> {
  try {
    return zod.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    // A schema JSON Schema cannot express (a transform, a custom check): the server still validates.
    return {};
  }
}

/** GET /task-types: every registered type with its payload's JSON Schema (the enqueue form validates with it). */
export function taskTypeRoutes(options: { registry: TaskRegistry }) {
  const router = createRouter();
  const describe = () =>
    options.registry.types().map((type) => {
      const handler = options.registry.get(type)!;
      return {
        type,
        ...(handler.description ? { description: handler.description } : {}),
        thread: Boolean(handler.thread),
        external: Boolean(handler.external),
        ...(handler.external ? { queue: handler.external.queue } : {}),
        ...(handler.defaults && Object.keys(handler.defaults).length > 0
          ? { defaults: { ...handler.defaults } }
          : {}),
        payloadSchema: handler.jsonSchema ?? payloadJsonSchema(handler.payloadSchema as zod.ZodType),
      };
    });
  let types: ReturnType<typeof describe> | undefined;
  router.openapi(
    createRoute({
      method: 'get',
      path: '/task-types',
      operationId: 'listTaskTypes',
      tags: ['tasks'],
      summary:
        "Registered task types with their payload's JSON Schema (the same schema enqueue validates with)",
      responses: {
        200: jsonContent(z.object({ types: z.array(taskTypeSchema) }), 'The task types'),
        ...errorResponses(),
      },
    }),
    (c) => {
      types ??= describe();
      return c.json({ types }, 200);
    },
  );
  return router;
}
