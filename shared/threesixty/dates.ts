// Dates as publishers write them (17/03/2014, 26/03/2001 00:00, 08/2013, 1 January 2013, Excel serials) read
// into ISO 8601. A day-month-year whose order is not settled (05/03/2014) is never guessed: the file's other
// dates settle it, or the importer's --date-order, or the row is refused with the value shown.

export type DateOrder = 'dmy' | 'mdy';

/** How precise the written value is. */
export type Precision = 'date-time' | 'day' | 'month' | 'year';

export type DateReading =
  | {
      ok: true;
      iso: string;
      precision: Precision /** the form it was written in, for the warning */;
      form: string;
    }
  | { ok: false; reason: string };

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** "jan", "sept", "September" -> 1-12. */
function monthNumber(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (w.length < 3) return null;
  const i = MONTHS.findIndex((m) => m.startsWith(w) || (w === 'sept' && m === 'september'));
  return i === -1 ? null : i + 1;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isRealDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

function fullYear(written: string): { year: number; twoDigit: boolean } {
  if (written.length === 4) return { year: Number(written), twoDigit: false };
  // Two-digit years: 00-49 are this century, 50-99 the last (grant data before 1950 is rare).
  const yy = Number(written);
  return { year: yy < 50 ? 2000 + yy : 1900 + yy, twoDigit: true };
}

function day(y: number, m: number, d: number, form: string): DateReading {
  if (!isRealDay(y, m, d)) return { ok: false, reason: 'is not a real calendar date' };
  return { ok: true, iso: `${pad(y, 4)}-${pad(m)}-${pad(d)}`, precision: 'day', form };
}

/** A time written beside a date: midnight says nothing, any other time is kept (read as UTC). */
function withTime(reading: DateReading, time: string | undefined): DateReading {
  if (!reading.ok || !time) return reading;
  const [h = 0, mi = 0, s = 0] = time.split(':').map(Number);
  if (h > 23 || mi > 59 || s > 59) return { ok: false, reason: 'has a time that is not a real time' };
  if (h === 0 && mi === 0 && s === 0) return { ...reading, form: `${reading.form} with a midnight time` };
  return {
    ok: true,
    iso: `${reading.iso}T${pad(h)}:${pad(mi)}:${pad(s)}Z`,
    precision: 'date-time',
    form: `${reading.form} with a time and no UTC offset (read as UTC)`,
  };
}

/** Days since 1899-12-30: how spreadsheets (Excel's 1900 system, its leap-year bug included) count days. */
export function fromSpreadsheetSerial(serial: number): DateReading {
  // 1 (1900-01-01) .. 2958465 (9999-12-31); fractions are the time of day.
  if (!Number.isFinite(serial) || serial < 1 || serial > 2_958_465) {
    return { ok: false, reason: 'is a number outside the range of spreadsheet dates' };
  }
  const ms = Math.round((serial - 25_569) * 86_400_000);
  const at = new Date(ms);
  const reading = day(
    at.getUTCFullYear(),
    at.getUTCMonth() + 1,
    at.getUTCDate(),
    'a spreadsheet date serial',
  );
  const seconds = Math.round((serial % 1) * 86_400);
  if (seconds === 0 || !reading.ok) return reading;
  return withTime(
    reading,
    `${Math.floor(seconds / 3600)}:${Math.floor((seconds % 3600) / 60)}:${seconds % 60}`,
  );
}

/** A spreadsheet date cell (a JS Date at UTC midnight when it has no time). */
export function fromSpreadsheetDate(date: Date): DateReading {
  if (Number.isNaN(date.getTime())) return { ok: false, reason: 'is not a valid spreadsheet date' };
  const reading = day(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), 'a spreadsheet date');
  const time = `${date.getUTCHours()}:${date.getUTCMinutes()}:${date.getUTCSeconds()}`;
  return withTime(reading, time);
}

export interface DayMonthParts {
  first: number;
  second: number;
}

const NUMERIC = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?$/;

/** The two leading numbers of a numeric day/month date, for settling a file's order; null for other forms. */
export function dayMonthParts(value: string): DayMonthParts | null {
  const m = NUMERIC.exec(value.trim());
  return m ? { first: Number(m[1]), second: Number(m[2]) } : null;
}

type Rule = { re: RegExp; read: (g: string[], order: DateOrder | undefined) => DateReading | null };

const num = (g: string[], i: number) => Number(g[i] ?? '');

/** Numeric day and month in either order: 17/03/2014, 3/17/2014, 26/03/2001 00:00, 17.03.14. */
function dayOrMonthFirst(g: string[], order: DateOrder | undefined): DateReading {
  const a = num(g, 1);
  const b = num(g, 2);
  const { year, twoDigit } = fullYear(g[3] ?? '');
  const note = twoDigit ? ', two-digit year' : '';
  let reading: DateReading;
  if (a === b) reading = day(year, b, a, `day/month/year${note}`);
  else if (a > 12 && b > 12) return { ok: false, reason: 'has no month in either of its first two numbers' };
  else if (a > 12) {
    if (order === 'mdy')
      return { ok: false, reason: `has no month ${a} (read month-first, as --date-order mdy says)` };
    reading = day(year, b, a, `day/month/year${note}`);
  } else if (b > 12) {
    if (order === 'dmy')
      return { ok: false, reason: `has no month ${b} (read day-first, as --date-order dmy says)` };
    reading = day(year, a, b, `month/day/year${note}`);
  } else if (order === 'dmy') reading = day(year, b, a, `day/month/year${note}, day first as the file is`);
  else if (order === 'mdy') reading = day(year, a, b, `month/day/year${note}, month first as the file is`);
  else {
    return {
      ok: false,
      reason:
        `could be ${a} ${MONTHS[b - 1]} or ${MONTHS[a - 1]} ${b}, and no other date in the file settles the ` +
        'order: run the import again with --date-order dmy (day first) or mdy (month first)',
    };
  }
  return withTime(reading, g[4]);
}

function monthOf(month: number, year: string, form: string): DateReading {
  if (month < 1 || month > 12) return { ok: false, reason: 'has no month of that number' };
  return { ok: true, iso: `${year}-${pad(month)}`, precision: 'month', form };
}

const RULES: Rule[] = [
  // ISO 8601 as the standard wants it: a date-time with an offset, a day, a year-month or a year.
  {
    re: /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    read: (g) => {
      const base = day(num(g, 1), num(g, 2), num(g, 3), 'ISO 8601');
      return base.ok ? { ok: true, iso: g[0] ?? '', precision: 'date-time', form: 'ISO 8601' } : base;
    },
  },
  { re: /^(\d{4})-(\d{2})-(\d{2})$/, read: (g) => day(num(g, 1), num(g, 2), num(g, 3), 'ISO 8601') },
  { re: /^(\d{4})-(\d{2})$/, read: (g) => monthOf(num(g, 2), g[1] ?? '', 'ISO 8601') },
  { re: /^\d{4}$/, read: (g) => ({ ok: true, iso: g[0] ?? '', precision: 'year', form: 'ISO 8601' }) },
  // ISO-like with a space or no offset: 2014-03-17 10:00, 2014-03-17T00:00:00, 2014/03/17.
  {
    re: /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?)?$/,
    read: (g) => withTime(day(num(g, 1), num(g, 2), num(g, 3), 'year-month-day'), g[4]),
  },
  { re: NUMERIC, read: dayOrMonthFirst },
  // Month and year: 08/2013, 8-2013.
  { re: /^(\d{1,2})[/.-](\d{4})$/, read: (g) => monthOf(num(g, 1), g[2] ?? '', 'month/year') },
  // Month names: 1 January 2013, 1st Jan 2013, 01-Jan-2013, January 1, 2013, Jan-14, March 2013.
  {
    re: /^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9}\.?)[ ,-]*(\d{4}|\d{2})$/,
    read: (g) => {
      const month = monthNumber(g[2] ?? '');
      if (!month) return null;
      const { year, twoDigit } = fullYear(g[3] ?? '');
      return day(year, month, num(g, 1), `day month-name year${twoDigit ? ', two-digit year' : ''}`);
    },
  },
  {
    re: /^([A-Za-z]{3,9}\.?) (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/,
    read: (g) => {
      const month = monthNumber(g[1] ?? '');
      return month ? day(num(g, 3), month, num(g, 2), 'month-name day, year') : null;
    },
  },
  {
    re: /^([A-Za-z]{3,9}\.?)[ -](\d{4}|\d{2})$/,
    read: (g) => {
      const month = monthNumber(g[1] ?? '');
      return month ? monthOf(month, String(fullYear(g[2] ?? '').year), 'month-name year') : null;
    },
  },
  // A spreadsheet serial that arrived as text (a CSV saved from a spreadsheet): 41715.
  { re: /^\d{5}(\.\d+)?$/, read: (g) => fromSpreadsheetSerial(Number(g[0])) },
];

/**
 * Reads one written date. `order` settles 05/03/2014 (from --date-order or the rest of the file); without it
 * such a value is refused, while 17/03/2014 (no month 17) and 05/05/2014 read the same either way.
 */
export function readDate(raw: string, order?: DateOrder): DateReading {
  const value = raw.trim().replace(/\s+/g, ' ');
  for (const rule of RULES) {
    const groups = rule.re.exec(value);
    if (!groups) continue;
    const reading = rule.read(
      [...groups].map((x) => x ?? ''),
      order,
    );
    if (reading) return reading;
  }
  return { ok: false, reason: 'is not a date the hub can read (write it as YYYY-MM-DD)' };
}
