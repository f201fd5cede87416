// Validates grants against the official 360Giving schema (JSON Schema 2020-12) with ajv.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { GRANT_SCHEMA } from './standard-schema.ts';

export interface SchemaIssue {
  field: string;
  message: string;
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

function compile() {
  // strict: false: the standard uses its own keywords (codelist, rollUp, ...) beside JSON Schema's.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // The standard names the 2020-12 meta-schema by its http:// id; ajv knows it by https://.
  return ajv.compile({ ...GRANT_SCHEMA, $schema: 'https://json-schema.org/draft/2020-12/schema' });
}

/** The ways a grant breaks the 360Giving schema; an empty list means it is valid. */
export function validateGrant(grant: unknown): SchemaIssue[] {
  validator ??= compile();
  if (validator(grant)) return [];
  return (validator.errors ?? []).map((e) => ({
    field: e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(grant)',
    message: e.message ?? 'is not valid',
  }));
}

/** The value at a dotted path ("plannedDates.0.startDate") of a grant. */
export function valueAt(grant: unknown, field: string): unknown {
  let cursor: unknown = grant;
  for (const step of field.split('.')) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<string, unknown>)[step];
  }
  return cursor;
}

const FRIENDLY: Record<string, string> = {
  uri: 'must be a URL with its scheme (e.g. https://example.org)',
  'date-time': 'must be an ISO 8601 date-time with a UTC offset (e.g. 2024-05-01T00:00:00Z)',
};

/**
 * The standard's own verdict on a grant, one message per field, as a caller can act on it: a `oneOf` of
 * date forms or a `format` failure is said once, in words, rather than as each branch's schema error.
 */
export function standardProblems(grant: unknown): Array<SchemaIssue & { value: unknown }> {
  const byField = new Map<string, string>();
  validator ??= compile();
  if (validator(grant)) return [];
  for (const e of validator.errors ?? []) {
    const field = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(grant)';
    const format = e.keyword === 'format' ? String((e.params as { format?: string }).format) : undefined;
    const message =
      (format && FRIENDLY[format]) ??
      (e.keyword === 'oneOf' || e.keyword === 'pattern'
        ? 'must be a date as YYYY-MM-DD (event dates may also be YYYY or YYYY-MM) or a date-time with offset'
        : (e.message ?? 'is not valid'));
    // The grant-level oneOf (organisation or individual) names its own fields elsewhere.
    if (field === '(grant)' && e.keyword === 'oneOf') continue;
    if (!byField.has(field) || format) byField.set(field, message);
  }
  if (byField.size === 0) {
    const first = validator.errors?.[0];
    byField.set('(grant)', first?.message ?? 'does not follow the 360Giving schema');
  }
  return [...byField].map(([field, message]) => ({ field, message, value: valueAt(grant, field) }));
}
