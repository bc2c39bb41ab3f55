/**
 * PostgreSQL stores no U+0000 in text or jsonb, and jsonb refuses lone UTF-16 surrogates
 * ("\ud800"); refusing both at the edge keeps them a 400, not a 500 from the INSERT.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

export const UNSTORABLE_TEXT = 'must not contain NUL (\\u0000) characters or lone surrogates';

/** JSON nested deeper than this is refused: no real payload needs it, and walking it costs. */
export const MAX_JSON_DEPTH = 100;

export class TooDeepError extends Error {
  override name = 'TooDeepError';
}

interface Visit {
  value: unknown;
  key: PropertyKey | undefined;
  parent: Visit | undefined;
  depth: number;
}

/**
 * Paths of strings and keys PostgreSQL cannot store. Iterative, so deep nesting cannot overflow
 * the stack, and linear: a path is built (from parent links) only for a string that is found.
 * Throws TooDeepError past MAX_JSON_DEPTH levels.
 */
export function findUnstorableStrings(root: unknown, limit: number): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0 && found.length < limit) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      if (!isStorableText(value)) found.push(pathOf(visit));
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (visit.depth >= MAX_JSON_DEPTH) {
      throw new TooDeepError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
    }
    const depth = visit.depth + 1;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], key: i, parent: visit, depth });
    } else {
      for (const [key, child] of Object.entries(value)) {
        if (!isStorableText(key)) found.push([...pathOf(visit), key]);
        stack.push({ value: child, key, parent: visit, depth });
      }
    }
  }
  // The stack visits in reverse order within each level; tasks read best by index.
  return found.sort((a, b) => (typeof a[1] === 'number' && typeof b[1] === 'number' ? a[1] - b[1] : 0));
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}
