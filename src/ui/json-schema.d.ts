// Types for the browser module json-schema.js, so Node tests can check it against the API.
export function validate(schema: unknown, value: unknown): Array<{ path: string; message: string }>;
export function example(schema: unknown, root?: unknown): unknown;
