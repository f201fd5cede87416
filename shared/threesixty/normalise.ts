// Turns a grant as a publisher wrote it into the form the standard (and so the hub's export) requires: dates,
// durations, Yes/No values, amounts, ids and URLs. Every conversion is reported with the value as written; what
// cannot be converted without guessing is an error naming the field and the value, and the grant is refused.
import {
  type DateOrder,
  type DateReading,
  fromSpreadsheetDate,
  fromSpreadsheetSerial,
  readDate,
} from './dates.ts';
import { dotted, type FieldKind, fieldKindAt } from './field-kinds.ts';
import { STANDARD_FIELDS } from './standard-schema.ts';

export interface Finding {
  /** Dotted path in the grant ("plannedDates.0.startDate"). */
  field: string;
  /** The value as the file had it. */
  value: unknown;
  message: string;
  code: string;
}

export interface NormaliseOptions {
  /** Settles numeric dates such as 05/03/2014 (from --date-order, or the rest of the file). */
  dateOrder?: DateOrder | undefined;
}

export interface Normalised {
  grant: Record<string, unknown>;
  conversions: Finding[];
  errors: Finding[];
}

type Path = Array<string | number>;

/** What publishers write for "nothing here" in an optional field. */
const PLACEHOLDER = /^(n\/?a|none|null|nil|-+|tbc|tbd|unknown)$/i;

const YES = /^(y|yes|true|1)$/i;
const NO = /^(n|no|false|0)$/i;

/** Spreadsheet and JSON values a reader may hand over: text, numbers, booleans, dates. */
type Raw = unknown;

function describeDate(reading: Extract<DateReading, { ok: true }>, iso: string) {
  return `read as ${iso} (${reading.form})`;
}

/** A date of any kind, or a reason; `kind` says which precisions the field accepts. */
function convertDate(value: Raw, kind: 'date' | 'partial-date' | 'date-time', order?: DateOrder) {
  const reading: DateReading =
    value instanceof Date
      ? fromSpreadsheetDate(value)
      : typeof value === 'number'
        ? fromSpreadsheetSerial(value)
        : typeof value === 'string'
          ? readDate(value, order)
          : { ok: false, reason: 'is not a date' };
  if (!reading.ok) return { error: reading.reason };
  let iso = reading.iso;
  let note = '';
  if (kind === 'date-time' && reading.precision !== 'date-time') {
    if (reading.precision !== 'day') return { error: 'needs a full date and time' };
    iso = `${reading.iso}T00:00:00Z`;
    note = '; midnight UTC assumed';
  }
  if (kind === 'date') {
    if (reading.precision === 'year') return { error: 'names only a year; this field needs a day' };
    if (reading.precision === 'month') {
      iso = `${reading.iso}-01`;
      note = '; it names a month, so its first day is used';
    }
  }
  const unchanged = typeof value === 'string' && iso === value;
  return { iso, message: unchanged ? null : `${describeDate(reading, iso)}${note}` };
}

const UNIT_MONTHS: Array<[RegExp, number]> = [
  [/^(years?|yrs?|y)$/, 12],
  [/^(months?|mths?|mos?|m)$/, 1],
  [/^(weeks?|wks?|w)$/, 12 / 52],
  [/^(days?|d)$/, 12 / 365],
];

/** "12 months", "1 year", "18 mths", "6 weeks" -> months (the standard's unit). */
function convertMonths(value: Raw): { months: number; message: string | null } | { error: string } {
  if (typeof value === 'number') {
    return value >= 0 ? { months: value, message: null } : { error: 'is a negative duration' };
  }
  const text = String(value).trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text))
    return { months: Number(text), message: `read as the number ${Number(text)}` };
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)\.?$/.exec(text);
  const unit = match ? UNIT_MONTHS.find(([re]) => re.test(match[2] ?? '')) : undefined;
  if (!match || !unit) return { error: 'is not a duration in months (write a number, e.g. 12)' };
  const months = Math.round(Number(match[1]) * unit[1] * 100) / 100;
  return { months, message: `read as ${months} months` };
}

/** "£1,000", "1 000.50", "$2,500" -> a number; anything else stays for the API to refuse by name. */
function convertNumber(value: Raw): { number: number; message: string | null } | null {
  if (typeof value === 'number') return { number: value, message: null };
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const cleaned = text.replace(/^[£$€]|[£$€]$/g, '').replace(/(?<=\d)[, ](?=\d{3}\b)/g, '');
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(cleaned)) return null;
  return { number: Number(cleaned), message: cleaned === text ? null : `read as ${Number(cleaned)}` };
}

/** A URL without a scheme ("www.example.org/about") gets http://; other text is not a URL. */
function convertUri(value: Raw): { uri: string; message: string | null } | { error: string } {
  const text = String(value).trim();
  if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(text)) {
    try {
      new URL(text);
      return { uri: text, message: text === value ? null : 'surrounding spaces removed' };
    } catch {
      return { error: 'is not a valid URL' };
    }
  }
  if (/^(\/\/)?([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?([/?#]\S*)?$/i.test(text)) {
    const uri = `http://${text.replace(/^\/\//, '')}`;
    try {
      new URL(uri);
      return { uri, message: `has no scheme: read as ${uri}` };
    } catch {
      return { error: 'is not a valid URL' };
    }
  }
  return { error: 'is not a URL (write it with its scheme, e.g. https://example.org)' };
}

interface Walk {
  options: NormaliseOptions;
  conversions: Finding[];
  errors: Finding[];
}

/** One typed value: returns the value to keep, or undefined to leave the field out. */
function convertValue(kind: FieldKind, value: Raw, path: Path, w: Walk): unknown {
  const field = dotted(path);
  const convert = (message: string | null, to: unknown, code: string) => {
    if (message) w.conversions.push({ field, value, message, code });
    return to;
  };
  const refuse = (message: string, code: string) => {
    w.errors.push({ field, value, message, code });
    return value;
  };
  if (typeof value === 'string' && PLACEHOLDER.test(value.trim()) && kind !== 'yes-no' && kind !== 'number') {
    return convert(`"${value}" says there is no value: left out`, undefined, 'placeholder_left_out');
  }
  switch (kind) {
    case 'date':
    case 'partial-date':
    case 'date-time': {
      const out = convertDate(value, kind, w.options.dateOrder);
      return out.error !== undefined
        ? refuse(out.error, 'unreadable_date')
        : convert(out.message, out.iso, 'date_converted');
    }
    case 'months': {
      const out = convertMonths(value);
      return 'error' in out
        ? refuse(out.error, 'unreadable_duration')
        : convert(out.message, out.months, 'duration_converted');
    }
    case 'number': {
      const out = convertNumber(value);
      // Left as written: the API names the field and the value.
      return out ? convert(out.message, out.number, 'number_converted') : value;
    }
    case 'yes-no': {
      const text = String(value).trim();
      if (text === 'Yes' || text === 'No') return text;
      if (YES.test(text)) return convert(`read as Yes`, 'Yes', 'yes_no_converted');
      if (NO.test(text)) return convert(`read as No`, 'No', 'yes_no_converted');
      return refuse('must be Yes or No', 'unreadable_yes_no');
    }
    case 'uri': {
      const out = convertUri(value);
      return 'error' in out
        ? refuse(out.error, 'unreadable_url')
        : convert(out.message, out.uri, 'url_converted');
    }
  }
}

/** Identifiers: a grant id keeps single inner spaces; an organisation id never has any. */
function convertIdentifier(value: string, path: Path, w: Walk): string {
  const isGrantId = path.length === 1;
  const cleaned = isGrantId ? value.trim().replace(/\s+/g, ' ') : value.replace(/\s+/g, '');
  if (cleaned !== value) {
    w.conversions.push({
      field: dotted(path),
      value,
      message: `had stray whitespace: read as "${cleaned}"`,
      code: 'id_whitespace_removed',
    });
  }
  return cleaned;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

function walkValue(value: unknown, path: Path, w: Walk): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      // An empty entry ([{}], a blank spreadsheet block) says nothing.
      if (isPlainObject(item) && Object.keys(item).length === 0) {
        w.conversions.push({
          field: dotted([...path, i]),
          value: item,
          message: 'is an empty entry: left out',
          code: 'empty_entry_left_out',
        });
        return;
      }
      out.push(walkValue(item, [...path, out.length], w));
    });
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const converted = walkValue(v, [...path, key], w);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  const kind = fieldKindAt(path);
  if (kind) return convertValue(kind, value, path, w);
  const last = path[path.length - 1];
  if (last === 'id' && typeof value === 'string' && (path.length === 1 || path.length === 3)) {
    return convertIdentifier(value, path, w);
  }
  return value instanceof Date ? value.toISOString() : value;
}

function plainExtra(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return value;
}

/** The grant as the standard wants it, with every conversion and every value that could not be converted. */
export function normaliseGrant(grant: Record<string, unknown>, options: NormaliseOptions = {}): Normalised {
  const w: Walk = { options, conversions: [], errors: [] };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(grant)) {
    // Only the standard's own fields are converted; a publisher's extra columns are kept as written (a
    // spreadsheet's date cell in one becomes its ISO text).
    const converted = STANDARD_FIELDS.has(key) ? walkValue(value, [key], w) : plainExtra(value);
    if (converted !== undefined) out[key] = converted;
  }
  return { grant: out, conversions: w.conversions, errors: w.errors };
}

/** The written (text) values of a grant's date fields, for settling a file's day/month order before import. */
export function writtenDates(grant: Record<string, unknown>): Array<{ field: string; value: string }> {
  const out: Array<{ field: string; value: string }> = [];
  const visit = (value: unknown, path: Path) => {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) visit(v, [...path, i]);
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    else if (typeof value === 'string') {
      const kind = fieldKindAt(path);
      if (kind === 'date' || kind === 'partial-date' || kind === 'date-time')
        out.push({ field: dotted(path), value });
    }
  };
  for (const [key, value] of Object.entries(grant)) if (STANDARD_FIELDS.has(key)) visit(value, [key]);
  return out;
}
