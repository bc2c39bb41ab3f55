import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

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
    draft07 ??= new Ajv({ allErrors: true, strict: false });
    return draft07.compile(schema);
  }
  draft2020 ??= new Ajv2020({ allErrors: true, strict: false });
  return draft2020.compile(schema);
}
