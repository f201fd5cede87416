import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchGrantItemSchema } from '../../schemas/grant.ts';
import { contentHash } from '../../shared/grants/content-hash.ts';
import { fromPublishedGrant } from '../../shared/threesixty/published.ts';
import { grantBody } from '../support/world.ts';

describe('grant schema', () => {
  it.each([
    '2015-06-01',
    '2021-01-26T00:00:00+00:00',
    '2016-02-29',
    '2015-06-01T10:30:00Z',
    '2015-06-01T10:30:00.123-05:00',
  ])('accepts the award date %s', (awardDate) => {
    expect(BatchGrantItemSchema.safeParse(grantBody('a', { awardDate })).success).toBe(true);
  });

  it.each(['2015-02-29', '2015-6-1', '2015-06-01T25:00:00Z', '20150601', '2015-06-01T10:30:00', ''])(
    'rejects the award date %s',
    (awardDate) => {
      expect(BatchGrantItemSchema.safeParse(grantBody('a', { awardDate })).success).toBe(false);
    },
  );

  it('applies the private visibility by default', () => {
    const { visibility: _v, ...body } = grantBody('a');
    expect(BatchGrantItemSchema.parse(body).visibility).toBe('private');
  });

  it.each(['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json'])(
    'accepts every grant of the real file %s, keeping its non-standard fields',
    (file) => {
      const { grants } = JSON.parse(readFileSync(resolve('local/demo/360giving', file), 'utf8'));
      const failures = [];
      for (const raw of grants) {
        const parsed = BatchGrantItemSchema.safeParse(
          fromPublishedGrant(raw, { regions: ['united-kingdom'], visibility: 'public' }),
        );
        if (!parsed.success) failures.push({ id: raw.id, issues: parsed.error.issues });
        else {
          for (const key of Object.keys(raw)) {
            const kept =
              key in parsed.data || (parsed.data.additionalData && key in parsed.data.additionalData);
            expect(kept, `${raw.id}.${key}`).toBe(true);
          }
        }
      }
      expect(failures).toEqual([]);
    },
  );
});

describe('content hash', () => {
  it('does not depend on key order but does on every value', () => {
    expect(contentHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      contentHash({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(contentHash({ a: 1, b: { c: [2, 1] } })).not.toBe(contentHash({ a: 1, b: { c: [1, 2] } }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: '1' }));
  });
});
