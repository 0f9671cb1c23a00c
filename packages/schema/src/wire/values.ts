// Values that must survive PostgreSQL as sent: text it can store, JSON it can parse, integers that fit.
import { z } from 'zod';

/** total_samples is an `integer` column in both databases. */
export const MAX_INT32 = 2_147_483_647;

/** Deeper acoustic features than this are refused: nothing real nests so far, and recursion is bounded. */
export const MAX_JSON_DEPTH = 32;

/** Acoustic features travel in every push and outbox listing: a summary, not raw audio features. */
export const MAX_FEATURES_CHARS = 65_536;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Why PostgreSQL could not store `text` as it is, or null. It refuses NUL in text and jsonb, and a
 * lone UTF-16 surrogate is no Unicode at all (text would silently turn it into U+FFFD).
 */
export function unstorableText(text: string): string | null {
  if (text.includes('\0')) return 'must not contain NUL (\\u0000) characters';
  if (!text.isWellFormed()) return 'must not contain unpaired UTF-16 surrogates';
  return null;
}

/** A string PostgreSQL stores exactly as sent. */
export function storableText(): z.ZodString {
  return z.string().superRefine((text, ctx) => {
    const problem = unstorableText(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/**
 * The first problem found in a parsed JSON value, with its path, or null. Iterative, so a hostile
 * nesting depth costs a clear error instead of the stack (zod's own z.json() recurses).
 */
export function jsonProblem(root: unknown): { path: PropertyKey[]; message: string } | null {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: root, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value, path } = next;
    if (path.length > MAX_JSON_DEPTH) return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, message: 'numbers must be finite' };
      continue;
    }
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) return { path, message: `strings ${problem}` };
      continue;
    }
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--)
        stack.push({ value: value[index], path: [...path, index] });
      continue;
    }
    if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) {
      return { path, message: 'must be JSON (null, boolean, number, string, array or object)' };
    }
    for (const [key, item] of Object.entries(value).reverse()) {
      // JSON.parse makes "__proto__" an own key; most code that copies objects would drop it or
      // change the prototype instead, so the content would no longer hash to what was sent.
      if (key === '__proto__') return { path: [...path, key], message: 'the key __proto__ is not allowed' };
      const problem = unstorableText(key);
      if (problem) return { path: [...path, key], message: `keys ${problem}` };
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return null;
}

/**
 * Any JSON value PostgreSQL's jsonb takes as sent, at most MAX_JSON_DEPTH deep and, when given,
 * `maxChars` characters as JSON (measured only once the depth is known to be safe).
 */
export function storableJson(maxChars?: number): z.ZodType<JsonValue> {
  return z.unknown().superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
      return;
    }
    const chars = maxChars === undefined ? 0 : JSON.stringify(value).length;
    if (maxChars !== undefined && chars > maxChars) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${maxChars} characters as JSON, got ${chars}`,
      });
    }
  }) as z.ZodType<JsonValue>;
}

/** A profile's acoustic features: storable JSON of at most MAX_FEATURES_CHARS characters. */
export function acousticFeaturesSchema(): z.ZodType<JsonValue> {
  return storableJson(MAX_FEATURES_CHARS);
}
