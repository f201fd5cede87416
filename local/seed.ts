// Seeds the demo dataset (local/demo/demo-data.json plus two real 360Giving files) and issues demo keys.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SlugSchema } from '../schemas/common.ts';
import { MAX_BATCH_GRANTS } from '../schemas/grant.ts';
import { FunderKindSchema, FunderStatusSchema, type Principal, RoleSchema } from '../schemas/tenancy.ts';
import { newApiKey } from '../shared/auth/api-keys.ts';
import { createdUnlessExists } from '../shared/db/conditions.ts';
import type { Services } from '../shared/services.ts';
import { fromPublishedGrant } from '../shared/threesixty/published.ts';

const DEMO_DIR = resolve(import.meta.dirname, 'demo');

const FixtureSchema = z.object({
  funders: z.array(
    z.object({
      id: SlugSchema,
      name: z.string(),
      kind: FunderKindSchema,
      identifiers: z.array(z.string()),
      status: FunderStatusSchema,
      subFundOf: SlugSchema.optional(),
      publicFile: z.string().optional(),
    }),
  ),
  collaboratives: z.array(
    z.object({ id: SlugSchema, name: z.string(), secretariat: SlugSchema, members: z.array(SlugSchema) }),
  ),
  members: z.array(
    z.object({ funderId: SlugSchema, id: SlugSchema, name: z.string(), email: z.email(), role: RoleSchema }),
  ),
  grants: z.array(z.object({ funder: SlugSchema, grant: z.record(z.string(), z.unknown()) })),
  /** Co-funding asks, posted by the funder's editor (validated by the opportunity service as any request). */
  opportunities: z
    .array(z.object({ funder: SlugSchema, ask: z.record(z.string(), z.unknown()) }))
    .default([]),
});
export type DemoFixture = z.infer<typeof FixtureSchema>;

export function loadDemoFixture(): DemoFixture {
  return FixtureSchema.parse(JSON.parse(readFileSync(resolve(DEMO_DIR, 'demo-data.json'), 'utf8')));
}

export interface DemoKey {
  funderId: string;
  memberId: string;
  role: string;
  apiKey: string;
}

export interface SeedReport {
  keys: DemoKey[];
  grants: { created: number; updated: number; unchanged: number; rejected: number };
  opportunities: { created: number; existing: number };
  rejected: Array<{ funderId: string; id: string | null; errors: unknown }>;
  /** Each funder's upload: its processing status says when the hub has resolved and rolled it up. */
  uploads: Array<{ principal: Principal; uploadId: string }>;
}

/** Safe to run again: existing funders, members and grants are left as they are (grants: unchanged). */
export async function seedDemo(
  services: Services,
  options: { log?: (line: string) => void; fixture?: DemoFixture } = {},
): Promise<SeedReport> {
  const log = options.log ?? (() => undefined);
  const fixture = options.fixture ?? loadDemoFixture();
  const { funders, members, collaboratives } = services.repos;
  const at = new Date().toISOString();

  // Collaboratives first: pooled funds point at them.
  for (const c of fixture.collaboratives) {
    await createdUnlessExists(() =>
      collaboratives.create({ id: c.id, name: c.name, secretariat: c.secretariat, createdAt: at }),
    );
  }
  for (const f of fixture.funders) {
    const { publicFile: _file, ...funder } = f;
    await createdUnlessExists(() => funders.create({ ...funder, createdAt: at, updatedAt: at }));
  }
  for (const c of fixture.collaboratives) {
    for (const funderId of c.members)
      await collaboratives.addMember({ collaborativeId: c.id, funderId, joinedAt: at });
  }
  for (const m of fixture.members) {
    await createdUnlessExists(() => members.create({ ...m, createdAt: at, updatedAt: at }));
  }

  const keys: DemoKey[] = [];
  for (const m of fixture.members) {
    const { apiKey, record } = newApiKey({ funderId: m.funderId, memberId: m.id, label: 'demo key' }, 365);
    await members.createKey(record);
    keys.push({ funderId: m.funderId, memberId: m.id, role: m.role, apiKey });
  }

  const grantsByFunder = new Map<string, unknown[]>();
  for (const { funder, grant } of fixture.grants) {
    grantsByFunder.set(funder, [...(grantsByFunder.get(funder) ?? []), grant]);
  }
  for (const f of fixture.funders) {
    if (!f.publicFile) continue;
    const file = z
      .object({ grants: z.array(z.record(z.string(), z.unknown())) })
      .parse(JSON.parse(readFileSync(resolve(DEMO_DIR, '360giving', f.publicFile), 'utf8')));
    grantsByFunder.set(
      f.id,
      file.grants.map((g) => fromPublishedGrant(g, { visibility: 'public', inferThemes: true })),
    );
  }

  /** The funder's first editor or admin: demo data is written as that member would write it. */
  const writerOf = async (funderId: string): Promise<Principal> => {
    const writer = fixture.members.find(
      (m) => m.funderId === funderId && (m.role === 'editor' || m.role === 'admin'),
    );
    if (!writer) throw new Error(`demo fixture: funder ${funderId} has no editor to write its data`);
    return {
      funderId,
      memberId: writer.id,
      keyId: 'seed',
      role: writer.role,
      collaboratives: await services.tenancy.collaborativesOf(await services.tenancy.getFunder(funderId)),
    };
  };

  const totals = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const rejected: SeedReport['rejected'] = [];
  // One upload per funder and seed, so `npm start` can tell when the hub has processed all of it.
  const uploads: SeedReport['uploads'] = [];
  const seedRun = randomBytes(6).toString('hex');
  for (const [funderId, grants] of grantsByFunder) {
    const principal = await writerOf(funderId);
    const uploadId = `seed-${seedRun}-${funderId}`.slice(0, 64);
    uploads.push({ principal, uploadId });
    for (let i = 0; i < grants.length; i += MAX_BATCH_GRANTS) {
      const { summary, results } = await services.grants.batchUpsert(
        { principal, requestId: 'seed' },
        { uploadId, grants: grants.slice(i, i + MAX_BATCH_GRANTS) },
      );
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += summary[k];
      for (const r of results)
        if (r.outcome === 'rejected') rejected.push({ funderId, id: r.id, errors: r.errors });
    }
    log(`  seeded ${grants.length} grants for ${funderId}`);
  }

  // Asks have generated ids, so a second seed recognises its own by funder and title.
  const opportunities = { created: 0, existing: 0 };
  for (const { funder, ask } of fixture.opportunities) {
    const ctx = { principal: await writerOf(funder), requestId: 'seed' };
    const mine = await services.opportunities.list(ctx, { limit: 50, funder });
    if (mine.items.some((o) => o.title === ask.title)) {
      opportunities.existing++;
      continue;
    }
    await services.opportunities.create(ctx, ask);
    opportunities.created++;
  }
  if (fixture.opportunities.length > 0) log(`  seeded ${opportunities.created} co-funding asks`);
  return { keys, grants: totals, opportunities, rejected, uploads };
}
