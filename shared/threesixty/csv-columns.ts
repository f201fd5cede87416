// 360Giving's flattened CSV: column titles such as "Recipient Org:Identifier" or "Beneficiary Location:1:Name",
// mapped to and from JSON paths using the titles in the official schema, so nothing here is hand-listed.
import { fieldKindAt } from './field-kinds.ts';
import { GRANT_PROPERTIES, type JsonSchemaNode, resolveNode } from './standard-schema.ts';

type Kind = 'string' | 'number' | 'object' | 'array-object' | 'array-string';

interface FieldNode {
  key: string;
  title: string;
  kind: Kind;
  /** Rolled-up arrays write their first item without an index ("Recipient Org:Name"). */
  rollUp: boolean;
  children: FieldNode[];
}

function kindOf(node: JsonSchemaNode): Kind {
  const types = [node.type].flat();
  if (types.includes('array')) {
    const items = node.items ? resolveNode(node.items) : {};
    return items.properties ? 'array-object' : 'array-string';
  }
  if (node.properties) return 'object';
  if (types.includes('number') || types.includes('integer')) return 'number';
  return 'string';
}

function buildNodes(properties: Record<string, JsonSchemaNode>, rollUps: ReadonlySet<string>): FieldNode[] {
  return Object.entries(properties).map(([key, raw]) => {
    const node = resolveNode(raw);
    const kind = kindOf(node);
    const inner = kind === 'array-object' && node.items ? resolveNode(node.items) : node;
    return {
      key,
      title: node.title ?? key,
      kind,
      rollUp: rollUps.has(key),
      children: inner.properties ? buildNodes(inner.properties, new Set()) : [],
    };
  });
}

const ROOT: FieldNode[] = buildNodes(
  GRANT_PROPERTIES,
  new Set(
    Object.entries(GRANT_PROPERTIES)
      .filter(([, n]) => n.rollUp)
      .map(([k]) => k),
  ),
);

export type JsonPath = Array<string | number>;
export interface ColumnMapping {
  path: JsonPath;
  kind: Kind;
}

const byTitle = (nodes: FieldNode[], title: string) =>
  nodes.find((n) => n.title.toLowerCase() === title.toLowerCase() || n.key === title);

/**
 * Where a column puts its value, or null for a column the standard does not define. Columns are titled
 * ("Recipient Org:Identifier") or, in a flat file without titles, JSON paths ("recipientOrganization/0/id").
 */
export function parseColumn(header: string): ColumnMapping | null {
  return parseTokens(header.split(':')) ?? (header.includes('/') ? parseTokens(header.split('/')) : null);
}

function parseTokens(raw: string[]): ColumnMapping | null {
  const tokens = raw.map((t) => t.trim());
  let nodes = ROOT;
  const path: JsonPath = [];
  for (let i = 0; i < tokens.length; i++) {
    const node = byTitle(nodes, tokens[i] ?? '');
    if (!node) return null;
    path.push(node.key);
    if (node.kind === 'array-object') {
      const next = tokens[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        path.push(Number(next));
        i += 1;
      } else {
        path.push(0);
      }
      nodes = node.children;
      if (i === tokens.length - 1) return null;
      continue;
    }
    if (node.kind === 'object') {
      nodes = node.children;
      continue;
    }
    return i === tokens.length - 1 ? { path, kind: node.kind } : null;
  }
  return null;
}

function setPath(target: Record<string, unknown>, path: JsonPath, value: unknown) {
  let cursor: Record<string | number, unknown> = target;
  path.forEach((step, i) => {
    if (i === path.length - 1) {
      cursor[step] = value;
      return;
    }
    const nextIsIndex = typeof path[i + 1] === 'number';
    cursor[step] ??= nextIsIndex ? [] : {};
    cursor = cursor[step] as Record<string | number, unknown>;
  });
}

/** A plain number as publishers should write it; anything else stays text so the API names the field. */
function toNumber(value: string): number | string {
  const trimmed = value.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : value;
}

/** A spreadsheet cell's value in a text column: dates stay dates (the importer reads them), numbers become text. */
/**
 * CSV injection (OWASP): a spreadsheet runs a cell starting with =, +, -, @, tab or carriage return as a formula.
 * Beyond OWASP's list: a line feed; and any of =, +, -, @ or their fullwidth forms (＝＋－＠, which some
 * spreadsheets' input methods take for them) after leading white space or invisible format characters (a word
 * joiner, a vertical tab: a spreadsheet that trims cells would run them).
 * The hub's CSV writes such a text cell with a single quote in front, which spreadsheets show as text; a cell
 * that already starts with quotes before one of those gets one more, so reading strips exactly one.
 */
const FORMULA_START = /^'*(?:[\t\r\n]|[\s\p{Cf}]*[=+\-@\uff1d\uff0b\uff0d\uff20])/u;

export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The reverse, on import: a cell the hub's export neutralised reads back as it was written. */
export function unneutraliseCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

function cellValue(mapping: ColumnMapping, raw: unknown): unknown {
  const value = typeof raw === 'string' ? unneutraliseCell(raw) : raw;
  if (typeof value === 'string') {
    if (mapping.kind === 'number') return toNumber(value);
    if (mapping.kind === 'array-string') return value.split(';').map((v) => v.trim());
    return value;
  }
  if (mapping.kind === 'number') return value;
  // A number in a date column is a spreadsheet date serial; in any other text column it is text ("12345").
  if (typeof value === 'number' && !fieldKindAt(mapping.path)) return String(value);
  if (mapping.kind === 'array-string') return [String(value)];
  return value;
}

/**
 * One CSV or spreadsheet row as a 360Giving grant; columns outside the standard land in `extra`, by title.
 * Cells are text (CSV) or spreadsheet values (numbers, dates, booleans).
 */
export function rowToGrant(row: Record<string, unknown>): {
  grant: Record<string, unknown>;
  extra: Record<string, unknown>;
} {
  const grant: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [header, value] of Object.entries(row)) {
    if (value === undefined || value === null || value === '') continue;
    const mapping = parseColumn(header);
    if (!mapping) {
      extra[unneutraliseCell(header)] = typeof value === 'string' ? unneutraliseCell(value) : value;
      continue;
    }
    setPath(grant, mapping.path, cellValue(mapping, value));
  }
  // Sparse indexes ("Beneficiary Location:2:Name" without :1:) must not leave holes.
  for (const [key, value] of Object.entries(grant)) {
    if (Array.isArray(value)) grant[key] = value.filter((v) => v !== undefined);
  }
  return { grant, extra };
}

function flattenExtra(prefix: string, value: unknown, out: Record<string, string | number>) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flattenExtra(`${prefix}:${i}`, v, out);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenExtra(`${prefix}:${k}`, v, out);
  } else if (typeof value === 'number') {
    out[prefix] = value;
  } else {
    out[prefix] = String(value);
  }
}

function flattenNodes(
  nodes: FieldNode[],
  value: Record<string, unknown>,
  prefix: string,
  out: Record<string, string | number>,
) {
  const known = new Set(nodes.map((n) => n.key));
  for (const node of nodes) {
    const v = value[node.key];
    if (v === undefined || v === null) continue;
    const title = `${prefix}${node.title}`;
    if (node.kind === 'array-object' && Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item && typeof item === 'object') {
          const head = i === 0 && node.rollUp ? `${title}:` : `${title}:${i}:`;
          flattenNodes(node.children, item as Record<string, unknown>, head, out);
        }
      });
    } else if (node.kind === 'object' && typeof v === 'object') {
      flattenNodes(node.children, v as Record<string, unknown>, `${title}:`, out);
    } else if (node.kind === 'array-string' && Array.isArray(v)) {
      out[title] = v.join(';');
    } else if (typeof v === 'number') {
      out[title] = v;
    } else {
      out[title] = String(v);
    }
  }
  for (const [key, v] of Object.entries(value)) {
    if (!known.has(key)) flattenExtra(`${prefix}${key}`, v, out);
  }
}

/** A 360Giving grant as one CSV row keyed by column title (standard columns first, in schema order). */
export function grantToRow(grant: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  flattenNodes(ROOT, grant, '', out);
  const safe: Record<string, string | number> = {};
  for (const [title, value] of Object.entries(out)) {
    safe[neutraliseCell(title)] = typeof value === 'string' ? neutraliseCell(value) : value;
  }
  return safe;
}
