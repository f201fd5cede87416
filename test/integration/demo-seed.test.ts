// The demo dataset: the portfolio-review figures hold, and both real 360Giving files load without loss.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoFixture, type SeedReport, seedDemo } from '../../local/seed.ts';
import type { GrantView } from '../../schemas/grant.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { principal } from '../support/world-principal.ts';

let hub: TestHub;
let report: SeedReport;

beforeAll(async () => {
  hub = await startTestHub();
  report = await seedDemo(hub.services);
}, 120_000);
afterAll(async () => hub?.close());

async function listAll(
  funderId: string,
  role: 'viewer' | 'admin',
  collaboratives: string[],
  query: Record<string, unknown> = {},
) {
  const items: GrantView[] = [];
  let cursor: string | undefined;
  do {
    const page = await hub.services.grants.list(
      { principal: principal(funderId, `${funderId}-x`, role, collaboratives) },
      { limit: 100, ...query, ...(cursor ? { cursor } : {}) },
    );
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

describe('demo seed', () => {
  it('loads every grant of the fixture and of the two real 360Giving files, rejecting none', () => {
    const fixture = loadDemoFixture();
    expect(report.rejected).toEqual([]);
    expect(report.grants.created).toBe(fixture.grants.length + 783 + 475);
  });

  it('reproduces the OSF global portfolio: 18 grants, $4,350,705, 11 grantees, MPI at 51%', async () => {
    const osf = await listAll('osf', 'viewer', ['epim'], {
      funder: 'osf',
      region: 'global',
      awardYearFrom: 2014,
      awardYearTo: 2016,
    });
    expect(osf).toHaveLength(18);
    const total = osf.reduce((sum, g) => sum + g.grant.amountAwarded, 0);
    expect(total).toBe(4_350_705);
    const byGrantee = new Map<string, number>();
    for (const g of osf) {
      const id = g.grant.recipientOrganization?.[0]?.id ?? '';
      byGrantee.set(id, (byGrantee.get(id) ?? 0) + g.grant.amountAwarded);
    }
    expect(byGrantee.size).toBe(11);
    expect(byGrantee.get('360G-OSF-ORG-MPI')).toBe(2_200_000);
    expect(Math.round((2_200_000 / total) * 100)).toBe(51);
  });

  it('reproduces the 22 corridor grants totalling $3,792,697 to 11 organisations', async () => {
    const corridors = ['asia-middle-east', 'central-america-mexico', 'russia-central-asia'];
    const grants = (await listAll('osf', 'viewer', ['epim'], { funder: 'osf' })).filter((g) =>
      g.grant.regions.some((r) => corridors.includes(r)),
    );
    expect(grants).toHaveLength(22);
    expect(grants.reduce((s, g) => s + g.grant.amountAwarded, 0)).toBe(3_792_697);
    expect(new Set(grants.map((g) => g.grant.recipientOrganization?.[0]?.id)).size).toBe(11);
  });

  it('shows the Global Coalition on Migration funded by MacArthur from 2012 and co-funded by OSF from 2013', async () => {
    const all = await listAll('nef', 'viewer', ['epim']);
    const gcm = all.filter((g) =>
      /global coalition on migration/i.test(g.grant.recipientOrganization?.[0]?.name ?? ''),
    );
    const firstYear = (funder: string) =>
      Math.min(...gcm.filter((g) => g.funderId === funder).map((g) => Number(g.grant.awardDate.slice(0, 4))));
    expect(firstYear('macarthur')).toBe(2012);
    expect(firstYear('osf')).toBe(2013);
    const macarthur = await hub.services.tenancy.getFunder('macarthur');
    expect(macarthur.status).toBe('exiting');
  });

  it('keeps the publishers’ non-standard fields of the real files in additionalData', async () => {
    const source = JSON.parse(readFileSync(resolve('local/demo/360giving/ab-charitable-trust.json'), 'utf8'))
      .grants[0];
    const stored = await hub.services.grants.get(
      { principal: principal('macarthur', 'm', 'viewer') },
      'ab-charitable-trust',
      source.id,
    );
    expect(stored.grant.additionalData?.Website).toEqual(source.Website);
    expect(stored.grant.additionalData?.['Amount Awarded - website format']).toEqual(
      source['Amount Awarded - website format'],
    );
    expect(stored.grant.amountAwarded).toBe(source.amountAwarded);
    expect(stored.grant.recipientOrganization).toEqual(source.recipientOrganization);
  });

  it('shows a funder outside EPIM none of the EPIM-only grants', async () => {
    const seen = await listAll('macarthur', 'viewer', []);
    expect(seen.some((g) => g.grant.visibility === 'collaborative:epim')).toBe(false);
    expect(seen.some((g) => g.funderId === 'osf' && g.grant.visibility === 'private')).toBe(false);
  });

  it('is safe to run twice: the second run changes no grant', async () => {
    const again = await seedDemo(hub.services);
    expect(again.grants.created + again.grants.updated).toBe(0);
    expect(again.grants.unchanged).toBe(report.grants.created);
  });
});
