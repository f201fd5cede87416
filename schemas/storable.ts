// What the table can keep exactly: checked on every grant before it is written, so that input DynamoDB would refuse
// (or the SDK could not marshal) is a 400 naming the field, never a 500 for the whole request.
import { z } from 'zod';

/** Levels of objects and lists below the grant itself (DynamoDB refuses a document nested 32 deep). */
export const MAX_NESTING = 16;
/** Property names the hub never keeps: they mean something to every JavaScript object. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** DynamoDB keeps numbers down to 1e-130 in size; the SDK marshals integers only up to 2^53 - 1 exactly. */
const SMALLEST_NUMBER = 1e-130;

/** A grant is kept whole in one item with its index and version copies: this many bytes of JSON at most. */
export const MAX_GRANT_BYTES = 64 * 1024;
/** Text the hub refuses anywhere: NUL, and UTF-16 halves without their pair (not text; DynamoDB refuses them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this refuses
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): refused in names and
 * titles, where they make a name display as something else (the "Trojan Source" characters). Marks (U+200E,
 * U+200F, U+061C), which right-to-left names need, are kept.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const NAMED_TEXT = new Set(['name', 'title']);

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with one string as stored text (null when nothing): `named` for names and titles. */
export function textProblem(text: string, named: boolean): string | null {
  if (NUL.test(text)) return 'contains a NUL character (U+0000)';
  const lone = LONE_SURROGATE.exec(text);
  if (lone)
    return `contains ${codePoint(lone[0])}, half of a character without its other half (not valid text)`;
  const bidi = named ? BIDI_CONTROL.exec(text) : null;
  if (bidi)
    return `contains the bidirectional control character ${codePoint(bidi[0])}, which can make a name display as another`;
  return null;
}

export interface StorableProblem {
  path: Array<string | number>;
  message: string;
  input: unknown;
}

export function storableProblems(value: unknown): StorableProblem[] {
  const problems: StorableProblem[] = [];
  const walk = (v: unknown, path: Array<string | number>) => {
    if (typeof v === 'string') {
      const last = path[path.length - 1];
      const problem = textProblem(v, typeof last === 'string' && NAMED_TEXT.has(last));
      if (problem) problems.push({ path, input: v, message: problem });
      return;
    }
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
      const keyProblem = textProblem(key, true);
      if (keyProblem) {
        problems.push({ path, input: key, message: `has a property whose name ${keyProblem}` });
      } else if (key === '' || key.trim() === '') {
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
  if (problems.length === 0 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (size > MAX_GRANT_BYTES) {
      // Named by its largest field, where the bytes are.
      const [field] = Object.entries(value)
        .map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8')] as const)
        .sort((a, b) => b[1] - a[1])[0] ?? ['grant'];
      problems.push({
        path: [field],
        input: undefined,
        message: `makes the grant ${Math.ceil(size / 1024)} KB as JSON, more than the ${MAX_GRANT_BYTES / 1024} KB a grant may take`,
      });
    }
  }
  return problems;
}

/** For a schema's superRefine: each problem as an issue at its field. */
export function refineStorable(value: unknown, ctx: z.RefinementCtx): void {
  for (const p of storableProblems(value)) {
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message, input: p.input });
  }
}

/** A name or title of the hub's own records (funders, members, asks, keys): refused as the grant's names are. */
export const nameText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .superRefine((v, ctx) => {
      const problem = textProblem(v, true);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
    });

/** Free text (a description): NUL and broken characters refused, bidirectional marks and controls kept. */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((v, ctx) => {
      const problem = textProblem(v, false);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
    });
