// Organisation resolution cost as the table grows: the time and capacity units to resolve one new grant's
// recipient with 10,000 and then 100,000 resolved mentions already in the table. Blocking should keep both flat.
import { BatchWriteCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { StoredGrant } from '../schemas/grant.ts';
import type { StoredMention, StoredOrganisation } from '../schemas/organisation.ts';
import { createDocumentClient, createDynamoClient } from '../shared/db/client.ts';
import { backoff } from '../shared/db/items.ts';
import { mentionId } from '../shared/db/keys.ts';
import { toMention } from '../shared/organisations/mention.ts';
import { blockItem, mentionItem, organisationItem } from '../shared/organisations/resolution-repository.ts';
import { featuresHash, mentionBlockKeys, withMention } from '../shared/organisations/resolver.ts';
import { FIRST_LONG_WORD, inventedWord } from '../tools/invented-names.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import { benchServices } from './bench-hub.ts';
import { percentile } from './percentile.ts';

const NOUNS = [
  'Refugee Project',
  'Migrant Centre',
  'Advice Network',
  'Law Centre',
  'Welcome',
  'Housing Trust',
  'Support Group',
  'Youth Club',
];
const FUNDERS = ['osf', 'macarthur', 'nef', 'paul-hamlyn', 'barrow-cadbury'];

export interface ResolutionSample {
  tableMentions: number;
  resolutions: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  rcuPerResolution: number;
  rcuReportedPerResolution: number;
  wcuPerResolution: number;
  callsPerResolution: Record<string, number>;
  outcomes: Record<string, number>;
}

export interface ResolutionBenchResult {
  samples: ResolutionSample[];
  seedSeconds: number;
  blockCap: number;
}

interface Org {
  name: string;
  charity: number | null;
}

/** Invented names, unique by construction (the index written in syllables), so blocks behave like real ones. */
function organisationUniverse(count: number, random: () => number): Org[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${inventedWord(i + FIRST_LONG_WORD)} ${i % 5 === 0 ? `${inventedWord((i * 7919) % 100_003)} ` : ''}${NOUNS[i % NOUNS.length]}`,
    charity: random() < 0.6 ? 1_000_000 + i : null,
  }));
}

/** How a funder writes the organisation: the name as is, with a legal form, in capitals; the number or not. */
function recipientOf(org: Org, random: () => number) {
  const r = random();
  const name = r < 0.5 ? org.name : r < 0.75 ? `${org.name} Ltd` : org.name.toUpperCase();
  return {
    id: `360G-bench-${Math.floor(random() * 1e9)}`,
    name,
    ...(org.charity !== null && random() < 0.8 ? { charityNumber: String(org.charity) } : {}),
  };
}

function grantFor(funderId: string, grantId: string, recipient: ReturnType<typeof recipientOf>): StoredGrant {
  const at = '2026-01-01T00:00:00Z';
  return {
    funderId,
    grantId,
    version: 1,
    contentHash: 'bench',
    deleted: false,
    record: {
      id: grantId,
      title: 'Bench grant',
      description: 'Generated',
      currency: 'GBP',
      amountAwarded: 25000,
      awardDate: '2025-04-01',
      recipientOrganization: [recipient],
      fundingOrganization: [{ id: 'GB-CHC-1', name: funderId }],
      themes: [],
      regions: [],
      visibility: 'hub',
    },
    createdAt: at,
    updatedAt: at,
    updatedBy: 'bench',
  };
}

export async function runResolutionBench(options: {
  sizes: number[];
  resolutions: number;
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>;
  log: (line: string) => void;
}): Promise<ResolutionBenchResult> {
  const { log } = options;
  const random = seededRandom(4242);
  const largest = Math.max(...options.sizes);
  // About 1.6 mentions per organisation, like the real files (1,258 grants, 635 distinct recipient names).
  const universe = organisationUniverse(
    Math.ceil(largest / 1.6) + options.resolutions * options.sizes.length,
    random,
  );
  const dynamo = await options.startDynamo();
  try {
    const { names, config, services, meter: metered } = await benchServices(dynamo.endpoint, true);
    if (!metered) throw new Error('the resolution bench is always metered');
    const meter = metered;
    const doc = createDocumentClient(createDynamoClient(config));

    // Seeding writes what the resolver would have written for each mention (org, mention, block members),
    // straight through BatchWriteItem: a realistic table in minutes instead of hours.
    const organisations = new Map<number, StoredOrganisation>();
    let mentions = 0;
    let seedSeconds = 0;
    const pending: Array<Record<string, NativeAttributeValue>> = [];
    const flush = async (all: boolean) => {
      const inFlight: Array<Promise<void>> = [];
      while (pending.length >= 25 || (all && pending.length > 0)) {
        const chunk = pending.splice(0, 25);
        inFlight.push(
          (async () => {
            let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
            for (let attempt = 0; requests.length > 0; attempt++) {
              if (attempt > 0) await backoff(attempt);
              const out = await doc.send(
                new BatchWriteCommand({ RequestItems: { [names.TABLE_NAME]: requests } }),
              );
              requests = (out.UnprocessedItems?.[names.TABLE_NAME] ?? []) as typeof requests;
            }
          })(),
        );
        if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
      }
      await Promise.all(inFlight);
    };
    const seedTo = async (target: number) => {
      const started = Date.now();
      const orgPool = Math.ceil(largest / 1.6);
      while (mentions < target) {
        const orgIndex = Math.floor(random() * orgPool);
        const org = universe[orgIndex] as Org;
        const funderId = FUNDERS[mentions % FUNDERS.length] as string;
        const grantId = `seed-${mentions}`;
        const features = toMention(recipientOf(org, random));
        const orgId = `org_00000000-0000-4000-8000-${String(orgIndex).padStart(12, '0')}`;
        const before = organisations.get(orgIndex) ?? {
          orgId,
          registrations: [],
          mentionCount: 0,
          crosswalks: [],
          revision: 0,
          createdAt: '2026-01-01T00:00:00Z',
        };
        const after = withMention(before, features.identifiers, 1);
        organisations.set(orgIndex, after);
        const mention: StoredMention = {
          mentionId: mentionId(funderId, grantId, 0),
          funderId,
          grantId,
          index: 0,
          grantVersion: 1,
          grantCreatedAt: '2026-01-01T00:00:00.000Z',
          visibility: 'hub',
          amount: 25000,
          currency: 'GBP',
          awardDate: '2025-04-01',
          title: 'Bench grant',
          regrantType: null,
          themes: [],
          regions: [],
          features,
          featuresHash: featuresHash(features),
          blockKeys: mentionBlockKeys(features),
          orgId,
          link: {
            method: before.mentionCount === 0 ? 'new' : 'auto',
            score: null,
            evidence: [],
            withMentionId: null,
            configVersion: services.resolver.config.version,
            decidedBy: 'resolver',
            decidedAt: '2026-01-01T00:00:00Z',
          },
          moneyLink: null,
          revision: 1,
        };
        pending.push(mentionItem(mention), ...mention.blockKeys.map((k) => blockItem(k, mention)));
        mentions += 1;
        if (pending.length >= 2000) await flush(false);
        if (mentions % 10_000 === 0) log(`  seeded ${mentions} mentions`);
      }
      // Organisation items last: each holds its final registrations and count.
      for (const org of organisations.values()) pending.push(organisationItem(org));
      await flush(true);
      seedSeconds += (Date.now() - started) / 1000;
    };

    const samples: ResolutionSample[] = [];
    let fresh = Math.ceil(largest / 1.6);
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      log(`seeding the table to ${size} resolved mentions...`);
      await seedTo(size);
      log(`resolving ${options.resolutions} new grants with ${size} mentions in the table...`);
      const times: number[] = [];
      const outcomes: Record<string, number> = {};
      meter.reset();
      const seeded = [...organisations.keys()];
      for (let i = 0; i < options.resolutions; i++) {
        // A third are organisations never seen, two thirds already in the table (written some other way).
        // Existing ones are drawn from those really in the table, so both sizes see the same mix of links.
        const existing = seeded[Math.floor(random() * seeded.length)] as number;
        const org = (i % 3 === 0 ? universe[fresh++] : universe[existing]) as Org;
        const grant = grantFor('bench-new', `new-${size}-${i}`, recipientOf(org, random));
        const started = performance.now();
        const [result] = await services.resolver.resolveGrant(grant);
        times.push(performance.now() - started);
        const key = `${result?.outcome}/${result?.link}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
      const sorted = [...times].sort((a, b) => a - b);
      samples.push({
        tableMentions: size,
        resolutions: options.resolutions,
        p50Ms: percentile(sorted, 0.5),
        p95Ms: percentile(sorted, 0.95),
        meanMs: times.reduce((s, t) => s + t, 0) / times.length,
        rcuPerResolution: meter.read / options.resolutions,
        rcuReportedPerResolution: meter.reportedRead / options.resolutions,
        wcuPerResolution: meter.write / options.resolutions,
        callsPerResolution: Object.fromEntries(
          Object.entries(meter.calls).map(([k, v]) => [k, v / options.resolutions]),
        ),
        outcomes,
      });
      log(`  ${JSON.stringify(samples.at(-1))}`);
    }
    return { samples, seedSeconds, blockCap: 200 };
  } finally {
    await dynamo.stop();
  }
}
