// What an import tells a publisher beyond created and rejected: every conversion of a value (with the value as
// written) and every data quality finding, counted per check with the first examples. Memory stays flat: counts
// and at most EXAMPLES examples per check, whatever the file's size.
import type { Finding } from '../../shared/threesixty/normalise.ts';
import { QUALITY_CHECKS, type QualityFinding } from '../../shared/threesixty/quality.ts';

const EXAMPLES = 20;

/** Headings of the conversions the importer makes (the quality checks have theirs in QUALITY_CHECKS). */
export const CONVERSIONS: Record<string, string> = {
  date_converted: 'dates written another way, converted to ISO 8601',
  duration_converted: 'durations written in words, converted to months',
  yes_no_converted: 'Yes/No values written another way (Y, N, true, ...)',
  number_converted: 'amounts written with commas or currency symbols',
  url_converted: 'URLs without a scheme, given http://',
  id_whitespace_removed: 'identifiers with stray whitespace, trimmed',
  placeholder_left_out: 'placeholders such as "N/A" in optional fields, left out',
  empty_entry_left_out: 'empty entries (such as [{}]), left out',
  funding_organisation_unverified: 'fundingOrganization the hub could not check against your funder',
};

export interface WarningExample {
  row: number;
  id: string | null;
  field: string;
  value: unknown;
  message: string;
}

export interface WarningGroup {
  code: string;
  kind: 'conversion' | 'quality';
  heading: string;
  /** Findings (a grant may have several of one check). */
  count: number;
  /** Rows with at least one. */
  rows: number;
  examples: WarningExample[];
}

export class WarningTally {
  private readonly groups = new Map<string, WarningGroup & { lastRow: number }>();

  private add(kind: WarningGroup['kind'], code: string, heading: string, example: WarningExample) {
    const group = this.groups.get(code) ?? {
      code,
      kind,
      heading,
      count: 0,
      rows: 0,
      examples: [],
      lastRow: -1,
    };
    group.count += 1;
    if (group.lastRow !== example.row) group.rows += 1;
    group.lastRow = example.row;
    if (group.examples.length < EXAMPLES) group.examples.push(example);
    this.groups.set(code, group);
  }

  conversions(row: number, id: string | null, findings: Finding[]) {
    for (const f of findings) {
      this.add('conversion', f.code, CONVERSIONS[f.code] ?? f.code, {
        row,
        id,
        field: f.field,
        value: f.value,
        message: f.message,
      });
    }
  }

  quality(row: number, id: string | null, findings: QualityFinding[]) {
    for (const f of findings) {
      const heading = QUALITY_CHECKS[f.code];
      this.add('quality', f.code, heading, { row, id, field: f.field, value: f.value, message: heading });
    }
  }

  /** A warning the hub returned with an accepted grant. */
  fromHub(row: number, id: string | null, code: string, field: string, value: unknown, message: string) {
    this.add('conversion', code, CONVERSIONS[code] ?? code, { row, id, field, value, message });
  }

  get total(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.count;
    return n;
  }

  list(): WarningGroup[] {
    return [...this.groups.values()]
      .map(({ lastRow: _, ...g }) => g)
      .sort((a, b) => (a.kind === b.kind ? b.count - a.count : a.kind === 'conversion' ? -1 : 1));
  }
}
