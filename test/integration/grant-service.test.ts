import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

const ctx = setup.ctx;

describe('grant writes', () => {
  it('creates, then reports an unchanged re-send without writing a version', async () => {
    const { grants } = setup.hub.services;
    const first = await grants.put(ctx('osf', 'editor'), 'osf', 'g-1', grantBody('g-1'));
    expect(first.outcome).toBe('created');
    const before = await setup.hub.snapshot();
    const again = await grants.put(ctx('osf', 'editor'), 'osf', 'g-1', grantBody('g-1'));
    expect(again.outcome).toBe('unchanged');
    expect(await setup.hub.snapshot()).toEqual(before);
  });

  it('treats the same content with keys in another order as unchanged', async () => {
    const body = grantBody('g-order');
    await setup.hub.services.grants.put(ctx('osf', 'editor'), 'osf', 'g-order', body);
    const reversed = Object.fromEntries(Object.entries(body).reverse());
    const out = await setup.hub.services.grants.put(ctx('osf', 'editor'), 'osf', 'g-order', reversed);
    expect(out.outcome).toBe('unchanged');
  });

  it('keeps every earlier version when a grant is edited and deleted', async () => {
    const { grants } = setup.hub.services;
    await grants.put(ctx('osf', 'editor'), 'osf', 'g-2', grantBody('g-2', { amountAwarded: 1 }));
    await grants.put(ctx('osf', 'editor'), 'osf', 'g-2', grantBody('g-2', { amountAwarded: 2 }));
    await grants.remove(ctx('osf', 'editor'), 'osf', 'g-2');
    const history = await grants.versions(ctx('osf', 'viewer'), 'osf', 'g-2');
    expect(history.items.map((v) => [v.version, v.deleted, v.grant?.amountAwarded ?? null])).toEqual([
      [1, false, 1],
      [2, false, 2],
      [3, true, null],
    ]);
    await expect(grants.get(ctx('osf', 'editor'), 'osf', 'g-2')).rejects.toMatchObject({ status: 404 });
    const recreated = await grants.put(
      ctx('osf', 'editor'),
      'osf',
      'g-2',
      grantBody('g-2', { amountAwarded: 2 }),
    );
    expect(recreated).toMatchObject({ outcome: 'created', grant: { version: 4 } });
  });

  it('rejects a write whose If-Match is not the current version with 412 and writes nothing', async () => {
    const { grants } = setup.hub.services;
    await grants.put(ctx('osf', 'editor'), 'osf', 'g-3', grantBody('g-3'));
    const before = await setup.hub.snapshot();
    await expect(
      grants.put(ctx('osf', 'editor'), 'osf', 'g-3', grantBody('g-3', { amountAwarded: 5 }), 7),
    ).rejects.toMatchObject({ status: 412, code: 'version_mismatch' });
    expect(await setup.hub.snapshot()).toEqual(before);
    const ok = await grants.put(
      ctx('osf', 'editor'),
      'osf',
      'g-3',
      grantBody('g-3', { amountAwarded: 5 }),
      1,
    );
    expect(ok.grant?.version).toBe(2);
  });

  it('refuses a collaborative visibility the funder is not a member of', async () => {
    await expect(
      setup.hub.services.grants.put(
        ctx('macarthur', 'editor'),
        'macarthur',
        'm-1',
        grantBody('m-1', { visibility: 'collaborative:epim' }),
      ),
    ).rejects.toMatchObject({
      status: 422,
      code: 'visibility_not_allowed',
      errors: [{ field: 'visibility' }],
    });
  });

  it('lets a pooled fund share with its own collaborative', async () => {
    const out = await setup.hub.services.grants.put(
      ctx('epim-detention', 'editor'),
      'epim-detention',
      'd-1',
      grantBody('d-1', { visibility: 'collaborative:epim' }),
    );
    expect(out.outcome).toBe('created');
  });

  it('does not let a viewer write', async () => {
    const error = await setup.hub.services.grants
      .put(ctx('osf', 'viewer'), 'osf', 'v-1', grantBody('v-1'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('accepts the valid items of a batch and reports each invalid one by row and field', async () => {
    const out = await setup.hub.services.grants.batchUpsert(ctx('osf', 'editor'), {
      grants: [
        grantBody('b-1'),
        grantBody('b-2', { amountAwarded: 'lots' }),
        grantBody('b-3', { awardDate: '2015-02-30' }),
        grantBody('b-1', { title: 'again' }),
        { ...grantBody('b-5'), currency: 'XXX1' },
      ],
    });
    expect(out.summary).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 4 });
    expect(out.results.map((r) => [r.outcome, r.errors?.[0]?.field])).toEqual([
      ['created', undefined],
      ['rejected', 'grants.1.amountAwarded'],
      ['rejected', 'grants.2.awardDate'],
      ['rejected', 'grants.3.id'],
      ['rejected', 'grants.4.currency'],
    ]);
    await expect(setup.hub.services.grants.get(ctx('osf', 'viewer'), 'osf', 'b-2')).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('grant reads', () => {
  beforeAll(async () => {
    const writes = [];
    for (let i = 0; i < 30; i++) {
      writes.push(
        grantBody(`list-${String(i).padStart(2, '0')}`, {
          awardDate: `${2010 + (i % 7)}-03-0${(i % 9) + 1}`,
          visibility: i % 3 === 0 ? 'hub' : 'private',
          themes: i % 2 === 0 ? ['governance'] : ['labour-migration'],
        }),
      );
    }
    await setup.hub.services.grants.batchUpsert(ctx('macarthur', 'editor'), { grants: writes });
  });

  it('pages through everything the caller may see exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await setup.hub.services.grants.list(ctx('osf', 'viewer'), {
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((g) => `${g.funderId}/${g.id}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const macarthurSeen = seen.filter((s) => s.startsWith('macarthur/'));
    expect(macarthurSeen).toHaveLength(10);
    const { count } = await setup.hub.services.grants.count(ctx('osf', 'viewer'), {});
    expect(count).toBe(seen.length);
  });

  it('filters another funder by year range and theme without showing its private grants', async () => {
    const page = await setup.hub.services.grants.list(ctx('osf', 'viewer'), {
      limit: 100,
      funder: 'macarthur',
      awardYearFrom: 2012,
      awardYearTo: 2014,
      theme: 'governance',
    });
    expect(page.items.length).toBeGreaterThan(0);
    for (const g of page.items) {
      expect(g.grant.visibility).toBe('hub');
      expect(g.grant.themes).toContain('governance');
      expect(Number(g.grant.awardDate.slice(0, 4))).toBeGreaterThanOrEqual(2012);
      expect(Number(g.grant.awardDate.slice(0, 4))).toBeLessThanOrEqual(2014);
    }
    const { count } = await setup.hub.services.grants.count(ctx('osf', 'viewer'), {
      funder: 'macarthur',
      awardYearFrom: 2012,
      awardYearTo: 2014,
      theme: 'governance',
    });
    expect(count).toBe(page.items.length);
  });

  it('rejects a cursor issued for another query', async () => {
    const page = await setup.hub.services.grants.list(ctx('osf', 'viewer'), { limit: 2 });
    expect(page.nextCursor).toBeTruthy();
    await expect(
      setup.hub.services.grants.list(ctx('osf', 'viewer'), {
        limit: 2,
        funder: 'macarthur',
        cursor: page.nextCursor ?? '',
      }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    await expect(
      setup.hub.services.grants.list(ctx('macarthur', 'viewer'), { limit: 2, cursor: page.nextCursor ?? '' }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
  });
});
