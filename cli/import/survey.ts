// The importer's first pass over a file: what only the whole file can say before any row is sent. Which way round
// its numeric dates are written (one 17/03/2014 settles every 05/03/2014), which grant ids repeat, and the file's
// own date (its latest Last Modified). Memory holds one entry per grant id, not the grants.
import type { DateOrder } from '../../shared/threesixty/dates.ts';
import { dayMonthParts, readDate } from '../../shared/threesixty/dates.ts';
import { writtenDates } from '../../shared/threesixty/normalise.ts';
import {
  type GrantSource,
  openGrantSource,
  type SourceFormat,
  type SourceItem,
  SourceShapeError,
} from '../readers/grant-source.ts';

export interface DateExample {
  row: number;
  field: string;
  value: string;
}

export interface Survey {
  rows: number;
  /** First row of each grant id (ids as the importer will send them: trimmed, inner whitespace single). */
  firstRowOf: Map<string, number>;
  /** Evidence of the file's day/month order: a value that can only be day-first, or only month-first. */
  dayFirst: DateExample | null;
  monthFirst: DateExample | null;
  dayFirstCount: number;
  monthFirstCount: number;
  /** YYYY-MM-DD of the latest Last Modified in the file. */
  fileDate: string | undefined;
  /** Set when the file could not be read to its end (truncated, broken): the import stops at the same place. */
  readError?: string;
}

export const surveyedId = (id: unknown) => (typeof id === 'string' ? id.trim().replace(/\s+/g, ' ') : null);

export async function surveyFile(
  file: string,
  format: SourceFormat,
  onRow?: (source: GrantSource, rows: number) => void,
): Promise<Survey> {
  const source = openGrantSource(file, format);
  const survey: Survey = {
    rows: 0,
    firstRowOf: new Map(),
    dayFirst: null,
    monthFirst: null,
    dayFirstCount: 0,
    monthFirstCount: 0,
    fileDate: undefined,
  };
  try {
    for await (const item of source.items) record(item);
  } catch (error) {
    // Not a grants file at all: nothing to import. Damage part-way: the rows before it still go in.
    if (error instanceof SourceShapeError) throw error;
    survey.readError = error instanceof Error ? error.message : String(error);
  }
  return survey;

  function record(item: SourceItem) {
    survey.rows += 1;
    onRow?.(source, survey.rows);
    const id = surveyedId(item.grant.id);
    if (id !== null && !survey.firstRowOf.has(id)) survey.firstRowOf.set(id, item.row);
    for (const { field, value } of writtenDates(item.grant)) {
      const parts = dayMonthParts(value);
      if (parts && parts.first > 12 && parts.second <= 12) {
        survey.dayFirstCount += 1;
        survey.dayFirst ??= { row: item.row, field, value };
      } else if (parts && parts.second > 12 && parts.first <= 12) {
        survey.monthFirstCount += 1;
        survey.monthFirst ??= { row: item.row, field, value };
      }
      if (field === 'dateModified') {
        const reading = readDate(value);
        const day = reading.ok ? reading.iso.slice(0, 10) : undefined;
        if (day && day.length === 10 && (!survey.fileDate || day > survey.fileDate)) survey.fileDate = day;
      }
    }
  }
}

export interface DateOrderDecision {
  order: DateOrder | undefined;
  /** How it was decided, in words, for the summary and the report. */
  because: string;
}

/** --date-order wins; otherwise the file settles it when its evidence points one way only. */
export function decideDateOrder(survey: Survey, option: DateOrder | undefined): DateOrderDecision {
  const example = (e: DateExample | null) => (e ? `${e.value} (row ${e.row}, ${e.field})` : '');
  if (option) return { order: option, because: `--date-order ${option}` };
  if (survey.dayFirst && !survey.monthFirst) {
    return { order: 'dmy', because: `day first, as the file's ${example(survey.dayFirst)} shows` };
  }
  if (survey.monthFirst && !survey.dayFirst) {
    return { order: 'mdy', because: `month first, as the file's ${example(survey.monthFirst)} shows` };
  }
  if (survey.dayFirst && survey.monthFirst) {
    return {
      order: undefined,
      because:
        `not settled: the file has day-first dates (${survey.dayFirstCount}, e.g. ${example(survey.dayFirst)}) ` +
        `and month-first ones (${survey.monthFirstCount}, e.g. ${example(survey.monthFirst)}); dates that could be ` +
        'either are refused unless --date-order says which',
    };
  }
  return { order: undefined, because: 'no numeric day/month dates that settle an order' };
}
