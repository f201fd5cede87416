// What kind of value each field of the official 360Giving schema holds (dates, URLs, numbers, Yes/No), read
// from the schema itself, so the importer's conversions follow the standard rather than a hand-kept list.
import { GRANT_PROPERTIES, type JsonSchemaNode, resolveNode } from './standard-schema.ts';

/**
 * - `date`: a day or a date-time (awardDate, transaction dates);
 * - `partial-date`: also a year or a year-month (planned and actual start and end dates);
 * - `date-time`: a full date-time only (dateModified fields);
 * - `uri`, `number`, `yes-no` (an enum of exactly Yes and No), `months` (a duration in months).
 */
export type FieldKind = 'date' | 'partial-date' | 'date-time' | 'uri' | 'number' | 'yes-no' | 'months';

/** A field path with `[]` for every array step ("plannedDates[].startDate"). */
export type FieldPattern = string;

interface SchemaNode extends JsonSchemaNode {
  format?: string;
  enum?: unknown[];
  oneOf?: Array<{ format?: string; pattern?: string }>;
}

function kindOf(key: string, node: SchemaNode): FieldKind | null {
  const variants = node.oneOf ?? [];
  if (variants.some((v) => v.format === 'date-time')) {
    // The year / year-month pattern only appears on event dates.
    return variants.some((v) => v.pattern?.includes('(-(0[1-9]|1[012]))?$')) ? 'partial-date' : 'date';
  }
  if (node.format === 'date-time') return 'date-time';
  if (node.format === 'uri') return 'uri';
  if (node.enum && node.enum.length === 2 && node.enum.includes('Yes') && node.enum.includes('No'))
    return 'yes-no';
  const types = [node.type].flat();
  if (types.includes('number') || types.includes('integer')) {
    return key === 'duration' ? 'months' : 'number';
  }
  return null;
}

function walk(properties: Record<string, JsonSchemaNode>, prefix: string, out: Map<FieldPattern, FieldKind>) {
  for (const [key, raw] of Object.entries(properties)) {
    const node = resolveNode(raw) as SchemaNode;
    const path = `${prefix}${key}`;
    const kind = kindOf(key, node);
    if (kind) out.set(path, kind);
    const types = [node.type].flat();
    if (types.includes('array') && node.items) {
      const items = resolveNode(node.items);
      if (items.properties) walk(items.properties, `${path}[].`, out);
    } else if (node.properties) {
      walk(node.properties, `${path}.`, out);
    }
  }
}

const KINDS = new Map<FieldPattern, FieldKind>();
walk(GRANT_PROPERTIES, '', KINDS);

/** Every typed field of the standard, by pattern. */
export const FIELD_KINDS: ReadonlyMap<FieldPattern, FieldKind> = KINDS;

/** "plannedDates.0.startDate" -> "plannedDates[].startDate". */
export function patternOf(path: Array<string | number>): FieldPattern {
  return path
    .map((step) => (typeof step === 'number' ? '[]' : step))
    .join('.')
    .replaceAll('.[]', '[]');
}

/** The kind of the field at this path, or null for text, objects and extra fields. */
export function fieldKindAt(path: Array<string | number>): FieldKind | null {
  return KINDS.get(patternOf(path)) ?? null;
}

/** Dotted path as the API and the report name fields ("plannedDates.0.startDate"). */
export const dotted = (path: Array<string | number>) => path.join('.');
