// zod results turned into field errors that name exactly what failed.
import type { z } from 'zod';
import { type FieldError, shownValue, ValidationError } from './errors.ts';

export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'is not a known field',
      }));
    }
    const value = shownValue(issue.input);
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
  if (!result.success) throw new ValidationError(fieldErrors(result.error, prefix));
  return result.data;
}
