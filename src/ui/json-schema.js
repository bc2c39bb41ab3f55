// Validates a value against the JSON Schema that GET /task-types derives from the zod schema
// the API enqueues with (the subset zod emits: types, properties, required, additionalProperties,
// enum/const, bounds, lengths, pattern, items, anyOf/oneOf/allOf, local $ref). The API checks
// again on submit, so this only has to be right, not exhaustive.

/**
 * @param {any} schema
 * @param {unknown} value
 * @returns {Array<{path: string, message: string}>}
 */
export function validate(schema, value) {
  /** @type {Array<{path: string, message: string}>} */
  const problems = [];
  check(schema, value, '', schema, problems);
  return problems;
}

/**
 * @param {any} schema
 * @param {unknown} value
 * @param {string} path
 * @param {any} root
 * @param {Array<{path: string, message: string}>} problems
 */
function check(schema, value, path, root, problems) {
  if (schema === true || schema == null) return;
  if (schema === false) {
    problems.push({ path, message: 'is not allowed' });
    return;
  }
  if (typeof schema.$ref === 'string') {
    check(resolve(root, schema.$ref), value, path, root, problems);
    return;
  }
  const add = (message) => problems.push({ path, message });
  if (schema.allOf) for (const part of schema.allOf) check(part, value, path, root, problems);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (
    alternatives &&
    !alternatives.some((part) => validate({ ...part, $defs: root.$defs }, value).length === 0)
  ) {
    add('matches none of the allowed shapes');
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    add(`must be ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    add(`must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(', ')}`);
  }
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => isType(value, type))) {
      add(`must be ${types.join(' or ')}`);
      return;
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) add(`must be ≥ ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) add(`must be ≤ ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
      add(`must be > ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum)
      add(`must be < ${schema.exclusiveMaximum}`);
    if (typeof schema.multipleOf === 'number' && value % schema.multipleOf !== 0)
      add(`must be a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength)
      add(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength)
      add(`must be at most ${schema.maxLength} characters`);
    if (typeof schema.pattern === 'string' && !safeRegExp(schema.pattern).test(value)) {
      add(schema.format === 'email' ? 'must be an email address' : `must match ${schema.pattern}`);
    } else if (schema.format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
      add('must be an email address');
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      add(`needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      add(`allows at most ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === 'object') {
      value.forEach((item, index) => {
        check(schema.items, item, join(path, index), root, problems);
      });
    }
  }
  if (isType(value, 'object')) {
    const object = /** @type {Record<string, unknown>} */ (value);
    const properties = schema.properties ?? {};
    for (const name of schema.required ?? []) {
      if (!(name in object)) problems.push({ path: join(path, name), message: 'is required' });
    }
    for (const [name, item] of Object.entries(object)) {
      if (name in properties) check(properties[name], item, join(path, name), root, problems);
      else if (schema.additionalProperties === false)
        problems.push({ path: join(path, name), message: 'is not a known field' });
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        check(schema.additionalProperties, item, join(path, name), root, problems);
    }
  }
}

/**
 * A starting payload: the required fields with their defaults or a neutral value.
 * @param {any} schema
 * @param {any} [root]
 * @returns {unknown}
 */
export function example(schema, root = schema) {
  if (!schema || typeof schema !== 'object') return null;
  if (typeof schema.$ref === 'string') return example(resolve(root, schema.$ref), root);
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alternative) return example(alternative, root);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const result = {};
      for (const name of schema.required ?? []) result[name] = example(schema.properties?.[name], root);
      return result;
    }
    case 'array':
      return schema.minItems ? [example(schema.items, root)] : [];
    case 'string':
      return schema.format === 'email' ? 'someone@example.com' : '';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function resolve(root, ref) {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return true;
  let target = root;
  for (const part of ref.slice(2).split('/')) target = target?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return target ?? true;
}

function isType(value, type) {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

const patterns = new Map();
function safeRegExp(pattern) {
  let compiled = patterns.get(pattern);
  if (!compiled) {
    try {
      compiled = new RegExp(pattern);
    } catch {
      compiled = /[\s\S]*/;
    }
    patterns.set(pattern, compiled);
  }
  return compiled;
}

function join(path, key) {
  return path ? `${path}.${key}` : String(key);
}
