// What the table can keep exactly: checked on every grant before it is written, so that input DynamoDB would refuse
// (or the SDK could not marshal) is a 400 naming the field, never a 500 for the whole request.
import type { z } from 'zod';

/** Levels of objects and lists below the grant itself (DynamoDB refuses a document nested 32 deep). */
export const MAX_NESTING = 16;
/** Property names the hub never keeps: they mean something to every JavaScript object. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** DynamoDB keeps numbers down to 1e-130 in size; the SDK marshals integers only up to 2^53 - 1 exactly. */
const SMALLEST_NUMBER = 1e-130;

export interface StorableProblem {
  path: Array<string | number>;
  message: string;
  input: unknown;
}

export function storableProblems(value: unknown): StorableProblem[] {
  const problems: StorableProblem[] = [];
  const walk = (v: unknown, path: Array<string | number>) => {
    if (typeof v === 'number') {
      if (Math.abs(v) > Number.MAX_SAFE_INTEGER) {
        problems.push({ path, input: v, message: 'is larger than 9007199254740991 (write it as text)' });
      } else if (v !== 0 && Math.abs(v) < SMALLEST_NUMBER) {
        problems.push({ path, input: v, message: 'is too small to keep (0, or at least 1e-130 in size)' });
      }
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (path.length > MAX_NESTING) {
      problems.push({ path, input: undefined, message: `is nested more than ${MAX_NESTING} levels deep` });
      return;
    }
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, [...path, i]);
      return;
    }
    for (const [key, item] of Object.entries(v)) {
      if (key === '' || key.trim() === '') {
        problems.push({ path, input: key, message: 'has a property with an empty name' });
      } else if (RESERVED_KEYS.has(key)) {
        problems.push({
          path,
          input: key,
          message: `has a property named "${key}", which the hub does not keep`,
        });
      } else {
        walk(item, [...path, key]);
      }
    }
  };
  walk(value, []);
  return problems;
}

/** For a schema's superRefine: each problem as an issue at its field. */
export function refineStorable(value: unknown, ctx: z.RefinementCtx): void {
  for (const p of storableProblems(value)) {
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message, input: p.input });
  }
}
