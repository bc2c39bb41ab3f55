import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { AppError, type FieldProblem } from './errors.js';
import type { ApiEnv } from './request-context.js';
import { findUnstorableStrings, TooDeepError, UNSTORABLE_TEXT } from './storable-text.js';

type Path = ReadonlyArray<PropertyKey>;

/**
 * A path inside a request as a client reads it: an enqueue task's problems carry its index and
 * the field inside the task ("payload.sendTo.0"); anything else names the whole path.
 */
export function fieldProblem(path: Path, message: string): FieldProblem {
  if (path[0] === 'tasks' && typeof path[1] === 'number') {
    return { index: path[1], field: path.slice(2).map(String).join('.') || '(task)', message };
  }
  return { field: path.map(String).join('.') || '(body)', message };
}

export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => fieldProblem(issue.path, issue.message));
}

/** The defaultHook of every route: a failed parse becomes one AppError listing every problem. */
export function validationHook(
  result: { target: string; success: boolean; error?: z.ZodError },
  _c: Context,
): undefined {
  if (result.success || !result.error) return undefined;
  const issues = result.error.issues;
  // A malformed id cannot name a task: that is "no such task", as for a well-formed unknown id.
  if (result.target === 'param' && issues.some((issue) => issue.path[0] === 'id')) {
    throw new AppError('task_not_found', 'no task with this id');
  }
  const tooMany = issues.find(
    (issue) => issue.code === 'too_big' && issue.path.length === 1 && issue.path[0] === 'tasks',
  );
  if (result.target === 'json' && tooMany && 'maximum' in tooMany) {
    throw new AppError('payload_too_large', `at most ${String(tooMany.maximum)} tasks per request`);
  }
  const where =
    result.target === 'json' ? 'request body' : result.target === 'query' ? 'query string' : 'path';
  throw new AppError('validation_failed', `the ${where} is invalid`, problemsFromZod(result.error));
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;.*)?$/i;

/**
 * For routes with a JSON body: 415 unless the body is JSON, 400 for malformed JSON and for text
 * PostgreSQL cannot store (NUL characters, lone surrogates) anywhere in it. The zod validator that
 * follows reads the body parsed here.
 */
export function jsonBody(): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (!type || !JSON_TYPE.test(type)) {
      throw new AppError(
        'unsupported_media_type',
        `send the body as application/json${type ? `, not ${type.split(';')[0]}` : ''}`,
      );
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('invalid_json', 'the request body is not valid JSON');
    }
    let unstorable: PropertyKey[][];
    try {
      unstorable = findUnstorableStrings(body, 100);
    } catch (error) {
      if (error instanceof TooDeepError) throw new AppError('validation_failed', error.message);
      throw error;
    }
    if (unstorable.length > 0) {
      throw new AppError(
        'validation_failed',
        `strings ${UNSTORABLE_TEXT}`,
        unstorable.map((path) =>
          fieldProblem(path, 'contains a NUL (\\u0000) character or a lone surrogate'),
        ),
      );
    }
    // hono caches the body's text, not its value: each c.req.json() parses again. The validator
    // that follows reads this one instead (a 1,000-task batch is 0.25 ms of JSON.parse).
    c.req.json = <T>() => Promise.resolve(body as T);
    await next();
  };
}

/** Every router of the API: validation failures become AppErrors via the one hook. */
export function createRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
}
