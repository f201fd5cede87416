import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  requireStartKeyWithin,
  useCursorSigningKey,
} from '../../shared/pagination/cursor.ts';

useCursorSigningKey(Buffer.alloc(32, 1));
const fp = queryFingerprint({ funder: 'osf' });
const valid = encodeCursor({
  v: 1,
  f: 'macarthur',
  q: fp,
  s: 1,
  k: { PK: 'GRANT#x#1', SK: 'CURRENT', GSI2PK: 'VIS#hub' },
});

describe('cursors', () => {
  it('round-trips for the funder and query it was issued to', () => {
    expect(decodeCursor(valid, 'macarthur', fp).s).toBe(1);
  });

  it.each([
    ['another funder', () => decodeCursor(valid, 'osf', fp)],
    ['another query', () => decodeCursor(valid, 'macarthur', queryFingerprint({ funder: 'nef' }))],
    ['garbage', () => decodeCursor('%%%', 'macarthur', fp)],
    ['no signature', () => decodeCursor(valid.split('.')[0] ?? '', 'macarthur', fp)],
    [
      'an edited payload with the old signature',
      () => {
        const [payload, signature] = valid.split('.');
        const edited = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
        edited.k.PK = 'GRANT#osf#secret';
        return decodeCursor(
          `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`,
          'macarthur',
          fp,
        );
      },
    ],
    [
      'a cursor signed with another key (another hub)',
      () => {
        useCursorSigningKey(Buffer.alloc(32, 2));
        const foreign = encodeCursor({ v: 1, f: 'macarthur', q: fp, s: 1, k: null });
        useCursorSigningKey(Buffer.alloc(32, 1));
        return decodeCursor(foreign, 'macarthur', fp);
      },
    ],
    ['a truncated signature', () => decodeCursor(valid.slice(0, -5), 'macarthur', fp)],
    [
      'unknown fields',
      () =>
        decodeCursor(
          encodeCursor({ v: 1, f: 'macarthur', q: fp, s: 0, k: null, x: 1 } as never),
          'macarthur',
          fp,
        ),
    ],
  ])('is refused when presented by %s', (_label, use) => {
    expect(use).toThrowError(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
  });

  it('refuses a start key outside the partition being read', () => {
    expect(() => requireStartKeyWithin({ GSI2PK: 'VIS#private' }, { GSI2PK: 'VIS#hub' })).toThrowError(
      expect.objectContaining({ code: 'invalid_cursor' }),
    );
    expect(() =>
      requireStartKeyWithin(
        { GSI2PK: 'VIS#hub', GSI2SK: 'osf#2015' },
        { GSI2PK: 'VIS#hub' },
        { attribute: 'GSI2SK', prefix: 'macarthur#' },
      ),
    ).toThrowError(expect.objectContaining({ code: 'invalid_cursor' }));
    expect(requireStartKeyWithin({ GSI2PK: 'VIS#hub' }, { GSI2PK: 'VIS#hub' })).toEqual({
      GSI2PK: 'VIS#hub',
    });
  });
});
