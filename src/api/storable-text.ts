/**
 * PostgreSQL stores no U+0000 in text or jsonb, and jsonb refuses lone UTF-16 surrogates
 * ("\ud800"); refusing both at the edge keeps them a 400, not a 500 from the INSERT.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

export const UNSTORABLE_TEXT = 'must not contain NUL (\\u0000) characters or lone surrogates';

/** Paths of strings and keys PostgreSQL cannot store; iterative, so deep nesting cannot overflow the stack. */
export function findUnstorableStrings(root: unknown, limit: number): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: root, path: [] }];
  while (stack.length > 0 && found.length < limit) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) found.push(path);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (!isStorableText(key)) found.push([...path, key]);
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  // The stack visits in reverse order within each level; tasks read best by index.
  return found.sort((a, b) => (typeof a[1] === 'number' && typeof b[1] === 'number' ? a[1] - b[1] : 0));
}
