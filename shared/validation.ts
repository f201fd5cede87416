// zod results turned into field errors that name exactly what failed.
import type { z } from 'zod';
import { type FieldError, shownValue, ValidationError } from './errors.ts';

/** What the client sent at `path` (own properties only), or undefined. */
function sentAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Field errors from a zod error. With `sent` (what was parsed), each names the value as the client sent it: a
 * query's `abc` where coercion saw NaN, `1e400` where it saw Infinity, an unknown parameter's own value.
 */
export function fieldErrors(error: z.ZodError, prefix?: string, sent?: unknown): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const value = shownValue(sentAt(sentAt(sent, issue.path), [key]));
        return {
          field: [...path, key].join('.'),
          message: 'is not a known field',
          ...(value !== undefined ? { value } : {}),
        };
      });
    }
    const value = shownValue(sentAt(sent, issue.path)) ?? shownValue(issue.input);
    return [
      {
        field: path.join('.') || (prefix ?? 'body'),
        message: issue.message,
        ...(value !== undefined ? { value } : {}),
      },
    ];
  });
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw new ValidationError(fieldErrors(result.error, prefix, value));
  return result.data;
}
