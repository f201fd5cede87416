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
