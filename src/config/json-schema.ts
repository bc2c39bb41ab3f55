import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';

// ajv is loaded the first time a JSON Schema is compiled: a program without external task types
// never pays its ~10 MB (both dialects' validators are CommonJS, so require() keeps this sync).
const require = createRequire(import.meta.url);

// One validator instance per dialect: compiled schemas are cached by the instance.
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

/**
 * Compiles a payload JSON Schema with ajv (draft 2020-12, or draft-07 when its `$schema` says so).
 * Throws when the schema itself is invalid. Unknown keywords (`example`, `title`s of tools) are
 * allowed: the schema is the user's, we only validate with it.
 */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (/draft-0[467]/.test(dialect)) {
    draft07 ??= new (require('ajv') as typeof import('ajv')).Ajv({ allErrors: true, strict: false });
    return draft07.compile(schema);
  }
  draft2020 ??= new (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020({
    allErrors: true,
    strict: false,
  });
  return draft2020.compile(schema);
}
