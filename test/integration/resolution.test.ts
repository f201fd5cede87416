import { describe, expect, it } from 'vitest';
import type { StoredGrant } from '../../schemas/grant.ts';
import { viewIdOf } from '../../shared/organisations/org-view.ts';
import type { CapacityMeter } from '../../shared/organisations/resolution-repository.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

const editor = (funder: string) => setup.ctx(funder, 'editor');

async function write(funder: string, id: string, overrides: Record<string, unknown>): Promise<StoredGrant> {
  await setup.hub.services.grants.put(editor(funder), funder, id, grantBody(id, overrides));
  const stored = await setup.hub.services.repos.grants.getCurrent(funder, id);
  if (!stored) throw new Error('grant not stored');
  return stored;
}

async function writeAndResolve(funder: string, id: string, overrides: Record<string, unknown>) {
  const stored = await write(funder, id, overrides);
  const [result] = await setup.hub.services.resolver.resolveGrant(stored);
  return result;
}

const mention = async (funder: string, grantId: string) => {
  const { mentions } = await setup.hub.services.repos.resolution.readGrant(funder, grantId);
  return mentions[0];
};

const recipient = (name: string, extra: Record<string, unknown> = {}) => ({
  recipientOrganization: [{ id: `360G-test-${name.replace(/\W+/g, '')}`, name, ...extra }],
});

describe('incremental organisation resolution', () => {
  it('links two funders’ mentions that share a charity number, with the evidence', async () => {
    const first = await writeAndResolve(
      'osf',
      'r-1',
      recipient('Refugee Action', { charityNumber: '283660' }),
    );
    const second = await writeAndResolve(
      'macarthur',
      'r-1',
      recipient('Refugee Action Ltd', { charityNumber: '283660' }),
    );
    expect(first?.link).toBe('new');
    expect(second).toMatchObject({ link: 'auto', orgId: first?.orgId });
    const linked = await mention('macarthur', 'r-1');
    expect(linked?.link.withMentionId).toBe('osf#r-1#0');
    expect(linked?.link.evidence).toContainEqual(
      expect.objectContaining({ feature: 'registeredId', outcome: 'shared' }),
    );
    const org = await setup.hub.services.repos.resolution.getOrganisation(first?.orgId ?? '');
    expect(org).toMatchObject({
      mentionCount: 2,
      registrations: [expect.objectContaining({ canonical: 'GB-CHC-283660', count: 2 })],
    });
  });

  it('never links two different numbers in one scheme, whatever the names say', async () => {
    const a = await writeAndResolve('osf', 'c-1', recipient('Migrant Voice', { charityNumber: '1101415' }));
    const b = await writeAndResolve('nef', 'c-1', recipient('Migrant Voice', { charityNumber: '1190000' }));
    expect(b?.orgId).not.toBe(a?.orgId);
    expect(b?.pairsOpened).toBe(0);
  });

  it('sends an id-less mention of a name held under two registrations to review, linking neither', async () => {
    const hub = (name: string, extra: Record<string, unknown>) => ({
      ...recipient(name, { addressCountry: 'GB', ...extra }),
      visibility: 'hub',
    });
    const a = await writeAndResolve('osf', 'hm-1', hub('Harbour Voice', { charityNumber: '1101416' }));
    const b = await writeAndResolve('nef', 'hm-1', hub('Harbour Voice', { charityNumber: '1190001' }));
    expect(b?.orgId).not.toBe(a?.orgId);
    const c = await writeAndResolve('macarthur', 'hm-1', hub('Harbour Voice', {}));
    expect(c?.link).toBe('new');
    expect([a?.orgId, b?.orgId]).not.toContain(c?.orgId);
    expect(c?.pairsOpened).toBe(2);
    // Positive twin: one registration only, and the same id-less name links to it.
    await writeAndResolve('osf', 'hm-2', hub('Quayside Voice', { charityNumber: '1101417' }));
    const d = await writeAndResolve('macarthur', 'hm-2', hub('Quayside Voice', {}));
    expect(d?.link).toBe('auto');
  });

  it('refuses a link when another mention of the organisation holds a conflicting number', async () => {
    // A carries both numbers; B only the company number and links through it; C has B's name and another
    // charity number: it agrees with B on the name but conflicts with A inside the organisation.
    const a = await writeAndResolve(
      'osf',
      'o-1',
      recipient('Detention Action', { charityNumber: '1124004', companyNumber: '06553519' }),
    );
    const b = await writeAndResolve(
      'macarthur',
      'o-1',
      recipient('Detention Action', { companyNumber: '6553519', postalCode: 'E2 9DA' }),
    );
    expect(b?.orgId).toBe(a?.orgId);
    const c = await writeAndResolve(
      'nef',
      'o-1',
      recipient('Detention Action', { charityNumber: '1999999', postalCode: 'E2 9DA' }),
    );
    expect(c?.orgId).not.toBe(a?.orgId);
  });

  it('opens a review pair for a doubtful match instead of linking it', async () => {
    // One company number, but the names have nothing in common: not enough to link without a person.
    const a = await writeAndResolve('osf', 'v-1', {
      ...recipient('Praxis Community Projects', { companyNumber: '04318732' }),
      visibility: 'hub',
    });
    const b = await writeAndResolve('macarthur', 'v-1', {
      ...recipient('Northfield Lettings', { companyNumber: '4318732' }),
      visibility: 'hub',
    });
    expect(b?.orgId).not.toBe(a?.orgId);
    expect(b?.pairsOpened).toBe(1);
  });

  it('shows one pair per two organisations, however many of their records paired up', async () => {
    const hubGrant = (name: string, companyNumber: string) => ({
      ...recipient(name, { companyNumber }),
      visibility: 'hub',
    });
    await writeAndResolve('osf', 'kh-1', hubGrant('Kestrel Advice Hub', '07771111'));
    const first = await writeAndResolve('macarthur', 'kh-1', hubGrant('Osprey Lettings', '7771111'));
    const second = await writeAndResolve('macarthur', 'kh-2', hubGrant('Osprey Lettings', '7771111'));
    expect(second?.orgId).toBe(first?.orgId);
    expect((first?.pairsOpened ?? 0) + (second?.pairsOpened ?? 0)).toBe(2);
    const queue = await setup.hub.services.duplicates.list(setup.ctx('osf', 'viewer'), { limit: 100 });
    expect(queue.items.filter((p) => p.a.grantId === 'kh-1' && p.a.funderId === 'osf')).toHaveLength(1);
  });

  it('queues no pair when neither funder may see the other’s record', async () => {
    const a = await writeAndResolve(
      'osf',
      'v-2',
      recipient('Kinder Migrant Hub', { companyNumber: '05318733' }),
    );
    const b = await writeAndResolve(
      'macarthur',
      'v-2',
      recipient('Wren Street Lettings', { companyNumber: '5318733' }),
    );
    expect(b?.orgId).not.toBe(a?.orgId);
    expect(b?.pairsOpened).toBe(0);
    // An EPIM member may see the other member's EPIM record: the pair is queued for both.
    const c = await writeAndResolve('osf', 'v-3', {
      ...recipient('Lantern Migrant Hub', { companyNumber: '05318734' }),
      visibility: 'collaborative:epim',
    });
    const d = await writeAndResolve('nef', 'v-3', {
      ...recipient('Heron Lane Lettings', { companyNumber: '5318734' }),
      visibility: 'collaborative:epim',
    });
    expect(d?.orgId).not.toBe(c?.orgId);
    expect(d?.pairsOpened).toBe(1);
  });

  it('writes nothing when an unchanged grant is resolved again', async () => {
    const stored = await write('osf', 'u-1', recipient('Asylum Aid', { charityNumber: '328729' }));
    await setup.hub.services.resolver.resolveGrant(stored);
    const before = await setup.hub.snapshot();
    const meter: CapacityMeter = { read: 0, write: 0 };
    const [again] = await setup.hub.services.resolver.resolveGrant(stored, { meter });
    expect(again?.outcome).toBe('unchanged');
    expect(meter.write).toBe(0);
    expect(await setup.hub.snapshot()).toEqual(before);
  });

  it('keeps the organisation when only the visibility changes, and drops the mention when the grant goes', async () => {
    const created = await writeAndResolve(
      'osf',
      'u-2',
      recipient('Bail for Immigration Detainees', { charityNumber: '1077187' }),
    );
    const updated = await writeAndResolve('osf', 'u-2', {
      ...recipient('Bail for Immigration Detainees', { charityNumber: '1077187' }),
      visibility: 'hub',
    });
    expect(updated).toMatchObject({ outcome: 'updated', orgId: created?.orgId });
    expect((await mention('osf', 'u-2'))?.visibility).toBe('hub');

    await setup.hub.services.grants.remove(editor('osf'), 'osf', 'u-2');
    const deleted = await setup.hub.services.repos.grants.getCurrent('osf', 'u-2');
    if (!deleted) throw new Error('tombstone missing');
    const [removed] = await setup.hub.services.resolver.resolveGrant(deleted);
    expect(removed?.outcome).toBe('removed');
    expect(await mention('osf', 'u-2')).toBeUndefined();
    const org = await setup.hub.services.repos.resolution.getOrganisation(created?.orgId ?? '');
    expect(org).toMatchObject({ mentionCount: 0, registrations: [] });
  });

  it('ignores a stream record older than the mention it would overwrite', async () => {
    const v1 = await write('osf', 's-1', recipient('Women for Refugee Women', { charityNumber: '1143909' }));
    const v2 = await write(
      'osf',
      's-1',
      recipient('Women for Refugee Women (WRW)', { charityNumber: '1143909' }),
    );
    await setup.hub.services.resolver.resolveGrant(v2);
    const [late] = await setup.hub.services.resolver.resolveGrant(v1);
    expect(late?.outcome).toBe('stale');
    expect((await mention('osf', 's-1'))?.features.name).toBe('Women for Refugee Women (WRW)');
  });

  it('ends with one organisation and exact counts when its mentions are resolved concurrently', async () => {
    const grants = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        write(
          ['osf', 'macarthur', 'nef'][i % 3] ?? 'osf',
          `race-${i}`,
          recipient('Right to Remain', { charityNumber: '1127488' }),
        ),
      ),
    );
    await Promise.all(grants.map((g) => setup.hub.services.resolver.resolveGrant(g)));
    const results = await Promise.all(grants.map((g) => mention(g.funderId, g.grantId)));
    const orgIds = new Set(results.map((r) => r?.orgId));
    expect(orgIds.size).toBe(1); // one organisation, however the resolutions interleaved
    let counted = 0;
    for (const orgId of orgIds) {
      const org = await setup.hub.services.repos.resolution.getOrganisation(orgId ?? '');
      const members = results.filter((r) => r?.orgId === orgId).length;
      expect(org?.mentionCount).toBe(members);
      counted += org?.mentionCount ?? 0;
    }
    expect(counted).toBe(12);
  });
});

describe('grant-level de-duplication: the same money counted once', () => {
  const viewer = () => {
    const principal = setup.world.principals.nef?.viewer;
    if (!principal) throw new Error('no nef viewer');
    return { principal };
  };
  const shared = (name: string, charityNumber: string, extra: Record<string, unknown> = {}) => ({
    ...recipient(name, { charityNumber }),
    visibility: 'hub',
    ...extra,
  });
  const totalsOf = async (funder: string, grantId: string) => {
    const m = await mention(funder, grantId);
    return (await setup.hub.services.duplicates.organisation(viewer(), viewIdOf(m?.mentionId ?? ''))).totals;
  };

  it('collapses an exact re-upload under a new id', async () => {
    await writeAndResolve(
      'osf',
      'ru-a',
      shared('Glasgow Night Shelter', '1166951', { amountAwarded: 40000 }),
    );
    await writeAndResolve(
      'osf',
      'ru-b',
      shared('Glasgow Night Shelter', '1166951', { amountAwarded: 40000 }),
    );
    expect((await mention('osf', 'ru-b'))?.moneyLink).toMatchObject({
      kind: 'reupload',
      toMentionId: 'osf#ru-a#0',
    });
    expect(await totalsOf('osf', 'ru-a')).toEqual([{ currency: 'USD', amount: 40000 }]);
  });

  it('keeps an original and its re-upload linked when a later file holds both (an export re-imported)', async () => {
    const upload = async (uploadId: string, ids: string[], extra: Record<string, unknown> = {}) => {
      const body = {
        uploadId,
        grants: ids.map((id) => ({
          ...grantBody(id, shared('Bradford Refugee Forum', '1166961', { amountAwarded: 20000, ...extra })),
          id,
        })),
      };
      const out = await setup.hub.services.grants.batchUpsert(editor('osf'), body);
      for (const id of ids) {
        const stored = await setup.hub.services.repos.grants.getCurrent('osf', id);
        if (!stored) throw new Error('not stored');
        await setup.hub.services.resolver.resolveGrant(stored);
      }
      return out;
    };
    await upload('first-file-1', ['rx-a']);
    await upload('second-file-1', ['rx-b']);
    expect((await mention('osf', 'rx-b'))?.moneyLink).toMatchObject({
      kind: 'reupload',
      toMentionId: 'osf#rx-a#0',
    });
    // The hub's own export, edited and imported again: both copies in one file, both new versions.
    const again = await upload('third-file-1', ['rx-a', 'rx-b'], { description: 'Edited after export' });
    expect(again.results.map((r: { outcome: string }) => r.outcome)).toEqual(['updated', 'updated']);
    expect((await mention('osf', 'rx-b'))?.moneyLink).toMatchObject({
      kind: 'reupload',
      toMentionId: 'osf#rx-a#0',
    });
    expect(await totalsOf('osf', 'rx-a')).toEqual([{ currency: 'USD', amount: 20000 }]);
    // Two alike grants that first came in one file stay two grants.
    await upload('fourth-file-1', ['rx-c', 'rx-d'], { amountAwarded: 250 });
    expect((await mention('osf', 'rx-d'))?.moneyLink).toBeNull();
  });

  it('undoes a re-upload link when the copy is edited into different money', async () => {
    await writeAndResolve(
      'osf',
      'ed-a',
      shared('Leeds Asylum Seekers Support', '1166957', { amountAwarded: 30000 }),
    );
    await writeAndResolve(
      'osf',
      'ed-b',
      shared('Leeds Asylum Seekers Support', '1166957', { amountAwarded: 30000 }),
    );
    expect((await mention('osf', 'ed-b'))?.moneyLink?.kind).toBe('reupload');
    const edited = await writeAndResolve(
      'osf',
      'ed-b',
      shared('Leeds Asylum Seekers Support', '1166957', { amountAwarded: 45000 }),
    );
    expect(edited?.outcome).toBe('updated');
    expect((await mention('osf', 'ed-b'))?.moneyLink).toBeNull();
    expect(await totalsOf('osf', 'ed-a')).toEqual([{ currency: 'USD', amount: 75000 }]);
  });

  it('collapses a near re-upload (amount within 1%, date within a month, title reworded)', async () => {
    await writeAndResolve(
      'macarthur',
      'nr-a',
      shared('Govan Law Centre', '1166952', { amountAwarded: 50000, title: 'Core support for legal advice' }),
    );
    await writeAndResolve(
      'macarthur',
      'nr-b',
      shared('Govan Law Centre', '1166952', {
        amountAwarded: 50300,
        awardDate: '2015-06-20',
        title: 'Core support: legal advice',
      }),
    );
    expect((await mention('macarthur', 'nr-b'))?.moneyLink?.kind).toBe('reupload');
    expect(await totalsOf('macarthur', 'nr-a')).toEqual([{ currency: 'USD', amount: 50000 }]);
  });

  it('never merges co-funding: two funders, two awards to one grantee', async () => {
    await writeAndResolve(
      'osf',
      'cf-1',
      shared('Scottish Refugee Council', '1166953', { amountAwarded: 70000 }),
    );
    await writeAndResolve(
      'macarthur',
      'cf-1',
      shared('Scottish Refugee Council', '1166953', { amountAwarded: 70000 }),
    );
    // A member of the pooled fund's collaborative without regrantType FRG040 is co-funding too.
    await writeAndResolve(
      'epim-detention',
      'cf-1',
      shared('Scottish Refugee Council', '1166953', { amountAwarded: 90000 }),
    );
    for (const funder of ['osf', 'macarthur', 'epim-detention'])
      expect((await mention(funder, 'cf-1'))?.moneyLink).toBeNull();
    expect(await totalsOf('osf', 'cf-1')).toEqual([{ currency: 'USD', amount: 230000 }]);
  });

  it('links a member’s FRG040 report to its pooled fund’s grant, whichever arrives first', async () => {
    const fundGrant = shared('Detention Action North', '1166954', { amountAwarded: 300000 });
    const memberReport = shared('Detention Action North', '1166954', {
      amountAwarded: 100000,
      regrantType: 'FRG040',
    });
    await writeAndResolve('epim-detention', 'pf-1', fundGrant);
    await writeAndResolve('osf', 'pf-1', memberReport);
    expect((await mention('osf', 'pf-1'))?.moneyLink).toMatchObject({
      kind: 'contribution',
      toMentionId: 'epim-detention#pf-1#0',
    });
    expect(await totalsOf('osf', 'pf-1')).toEqual([{ currency: 'USD', amount: 300000 }]);

    // The member reports first; the fund's grant arrives later and takes the member's report in.
    await writeAndResolve(
      'nef',
      'pf-2',
      shared('Migrant Help West', '1166955', { amountAwarded: 20000, regrantType: 'FRG040' }),
    );
    expect((await mention('nef', 'pf-2'))?.moneyLink).toBeNull();
    await writeAndResolve(
      'epim-detention',
      'pf-2',
      shared('Migrant Help West', '1166955', { amountAwarded: 60000 }),
    );
    expect((await mention('nef', 'pf-2'))?.moneyLink).toMatchObject({
      kind: 'contribution',
      toMentionId: 'epim-detention#pf-2#0',
    });
    expect(await totalsOf('nef', 'pf-2')).toEqual([{ currency: 'USD', amount: 60000 }]);
  });

  it('does not link an FRG040 report from a funder outside the collaborative', async () => {
    await writeAndResolve(
      'epim-detention',
      'pf-3',
      shared('Right to Stay', '1166956', { amountAwarded: 300000 }),
    );
    await writeAndResolve(
      'macarthur',
      'pf-3',
      shared('Right to Stay', '1166956', { amountAwarded: 100000, regrantType: 'FRG040' }),
    );
    expect((await mention('macarthur', 'pf-3'))?.moneyLink).toBeNull();
    expect(await totalsOf('macarthur', 'pf-3')).toEqual([{ currency: 'USD', amount: 400000 }]);
  });
  it('takes a member’s contribution into a pooled-fund grant only where the member may read that grant', async () => {
    // The outsider's attack: EPIM detention's grant is private; OSF, an EPIM member, reports an FRG040 share to the
    // same grantee. Absorbed, the share vanished from OSF's own gap figures exactly while it stayed within the
    // hidden amount, and OSF read that amount off to the euro. Now the share stays OSF's own money.
    await writeAndResolve(
      'epim-detention',
      'pf-5',
      shared('Lambda Legal Aid Network', '1166958', { amountAwarded: 123456, visibility: 'private' }),
    );
    await writeAndResolve(
      'osf',
      'pf-5',
      shared('Lambda Legal Aid Network', '1166958', {
        amountAwarded: 50000,
        regrantType: 'FRG040',
        visibility: 'private',
      }),
    );
    expect((await mention('osf', 'pf-5'))?.moneyLink).toBeNull();
    // Shared with EPIM, the fund's grant is one OSF reads: the same share is then counted within it.
    await writeAndResolve(
      'epim-detention',
      'pf-6',
      shared('Kappa Detention Watch', '1166959', { amountAwarded: 100000, visibility: 'collaborative:epim' }),
    );
    await writeAndResolve(
      'osf',
      'pf-6',
      shared('Kappa Detention Watch', '1166959', {
        amountAwarded: 50000,
        regrantType: 'FRG040',
        visibility: 'private',
      }),
    );
    expect((await mention('osf', 'pf-6'))?.moneyLink).toMatchObject({ kind: 'contribution' });
    // A hub-wide share of an EPIM-only grant is not: hub readers outside EPIM would see it vanish.
    await writeAndResolve(
      'osf',
      'pf-7',
      shared('Kappa Detention Watch', '1166959', { amountAwarded: 60000, regrantType: 'FRG040' }),
    );
    expect((await mention('osf', 'pf-7'))?.moneyLink).toBeNull();
  });

  it('counts a hub copy of a private grant, not the private copy, so readers of the copy keep it', async () => {
    await writeAndResolve(
      'macarthur',
      'cp-1',
      shared('Zeta Migration Forum', '1166960', { amountAwarded: 150000, visibility: 'private' }),
    );
    await writeAndResolve(
      'macarthur',
      'cp-2',
      shared('Zeta Migration Forum', '1166960', { amountAwarded: 150500 }),
    );
    expect((await mention('macarthur', 'cp-2'))?.moneyLink).toBeNull();
    expect((await mention('macarthur', 'cp-1'))?.moneyLink).toMatchObject({
      kind: 'reupload',
      toMentionId: 'macarthur#cp-2#0',
    });
  });

  it('lets a pooled fund the secretariat never confirmed absorb no member’s contribution', async () => {
    // The operator declares a pooled fund of EPIM; the secretariat has not invited it, so it is not a member.
    const at = new Date().toISOString();
    await setup.hub.services.repos.funders.create({
      id: 'declared-fund',
      name: 'Declared fund',
      kind: 'pooled-fund',
      subFundOf: 'epim',
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    const fundEditor = {
      principal: {
        funderId: 'declared-fund',
        memberId: 'declared-fund-editor',
        keyId: 'test',
        role: 'editor' as const,
        collaboratives: [],
      },
    };
    await setup.hub.services.grants.put(
      fundEditor,
      'declared-fund',
      'pf-4',
      grantBody('pf-4', shared('Detention Forum', '1166957', { amountAwarded: 300000 })),
    );
    const fundGrant = await setup.hub.services.repos.grants.getCurrent('declared-fund', 'pf-4');
    if (!fundGrant) throw new Error('not stored');
    await setup.hub.services.resolver.resolveGrant(fundGrant);
    await writeAndResolve(
      'osf',
      'pf-4',
      shared('Detention Forum', '1166957', { amountAwarded: 100000, regrantType: 'FRG040' }),
    );
    // OSF's 100,000 is its own money to the grantee, not a share of the unconfirmed fund's grant.
    expect((await mention('osf', 'pf-4'))?.moneyLink).toBeNull();
  });
});

describe('successors: a charity re-registered under a new number', () => {
  const carriers = (charityNumber: string) => ({
    recipientOrganization: [
      { id: `GB-CHC-${charityNumber}`, name: 'Carriers of Hope', charityNumber, postalCode: 'CV3 2PP' },
    ],
    visibility: 'hub',
  });

  it('queues the two numbers for review, and once confirmed links later records under either number', async () => {
    const old = await writeAndResolve('osf', 'ch-1', carriers('1140583'));
    const renewed = await writeAndResolve('macarthur', 'ch-1', carriers('1180105'));
    expect(renewed?.orgId).not.toBe(old?.orgId); // two numbers in one scheme never link on their own
    const queue = await setup.hub.services.duplicates.list(setup.ctx('macarthur', 'viewer'), { limit: 100 });
    const pair = queue.items.find((p) => p.b.grantId === 'ch-1' && p.a.grantId === 'ch-1');
    expect(pair?.kind).toBe('possible-successor');

    const decided = await setup.hub.services.duplicates.decide(
      setup.ctx('macarthur', 'editor'),
      pair?.pairId ?? '',
      {
        decision: 'confirm',
        note: 'Re-registered as a CIO in 2018',
      },
    );
    expect(decided.a.orgId).toBe(decided.b.orgId);
    const stored = (await setup.hub.services.repos.resolution.getMentions([decided.a.mentionId])).get(
      decided.a.mentionId,
    );
    const org = await setup.hub.services.repos.resolution.getOrganisation(stored?.orgId ?? '');
    expect(org?.crosswalks).toEqual(['GB-CHC-1140583|GB-CHC-1180105']);

    // A third funder still writing the old number joins the same organisation without review.
    const later = await writeAndResolve('nef', 'ch-1', carriers('1140583'));
    expect(later).toMatchObject({ orgId: stored?.orgId, link: 'auto' });
    // A third number is still a different organisation.
    const other = await writeAndResolve('nef', 'ch-2', carriers('1999991'));
    expect(other?.orgId).not.toBe(stored?.orgId);
  });
});
