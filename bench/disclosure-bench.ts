// The disclosure figures: the adversary suite over many generated worlds (how many worlds, states, coalitions and
// queries, and the closest estimates it found), and the time a hidden grant, grant's organisations,
// organisation, duplicate pair or ask takes to answer against a missing one,
// over HTTP against the local server, interleaved so both see the same machine load.
import { performance } from 'node:perf_hooks';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalServer } from '../local/server.ts';
import { newApiKey } from '../shared/auth/api-keys.ts';
import { pairKey } from '../shared/db/keys.ts';
import { viewIdOf } from '../shared/organisations/org-view.ts';
import { pairIdOf } from '../shared/organisations/resolver.ts';
import { setServicesForTests } from '../shared/services.ts';
import { runAdversary } from '../test/support/disclosure-adversary.ts';
import { grantBody } from '../test/support/world.ts';
import { benchServices } from './bench-hub.ts';
import { percentile } from './percentile.ts';

export interface DisclosureBenchResult {
  adversary: Awaited<ReturnType<typeof runAdversary>>;
  adversarySeconds: number;
  timing: Array<{
    /** What was asked for: a grant, a grant's organisations, an organisation, a duplicate pair, an ask. */
    resource: string;
    route: string;
    requests: number;
    hidden: { p50: number; p99: number; mean: number };
    missing: { p50: number; p99: number; mean: number };
    hiddenCapacity: { read: number; write: number };
    missingCapacity: { read: number; write: number };
  }>;
}

export async function runDisclosureBench(options: {
  worlds: number;
  requests: number;
  endpoint: string;
  log: (line: string) => void;
}): Promise<DisclosureBenchResult> {
  const started = performance.now();
  options.log(`disclosure: adversary over ${options.worlds} worlds`);
  const adversary = await runAdversary({ worlds: options.worlds, firstSeed: 50_000 });
  const adversarySeconds = (performance.now() - started) / 1000;

  const { services, meter, names } = await benchServices(options.endpoint, true);
  if (!meter) throw new Error('no meter');
  setServicesForTests(services);
  const at = new Date().toISOString();
  for (const id of ['owner', 'reader']) {
    await services.repos.funders.create({
      id,
      name: id,
      kind: 'funder',
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
  }
  for (const [funderId, role] of [
    ['owner', 'editor'],
    ['reader', 'viewer'],
    ['reader', 'editor'],
  ] as const) {
    await services.repos.members.create({
      id: `${funderId}-${role}`,
      funderId,
      name: funderId,
      email: `${funderId}@example.org`,
      role,
      createdAt: at,
      updatedAt: at,
    });
  }
  const keyOf = async (funderId: string, memberId: string) => {
    const { apiKey, record } = newApiKey({ funderId, memberId, label: 'bench' }, 1);
    await services.repos.members.createKey(record);
    return apiKey;
  };
  const owner = await keyOf('owner', 'owner-editor');
  const reader = await keyOf('reader', 'reader-viewer');
  const readerEditor = await keyOf('reader', 'reader-editor');
  const server = await startLocalServer({ port: 0 });
  const call = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Writes a grant over HTTP and resolves its recipient (as the stream would): the recipient's mention. */
  const writeResolved = async (
    key: string,
    funderId: string,
    grantId: string,
    recipient: string,
    visibility: string,
  ) => {
    const res = await call(key, 'PUT', `/v1/grants/${funderId}/${grantId}`, {
      ...grantBody(grantId, {
        amountAwarded: 1000,
        recipientOrganization: [{ id: 'GB-COH-09112255', name: recipient }],
        fundingOrganization: [{ id: `XI-BENCH-${funderId}`, name: funderId }],
        visibility,
      }),
    });
    if (res.status >= 300) throw new Error(`bench grant: ${res.status} ${await res.text()}`);
    const stored = await services.repos.grants.getCurrent(funderId, grantId);
    if (!stored) throw new Error(`bench grant ${funderId}/${grantId} not stored`);
    const [resolved] = await services.resolver.resolveGrant(stored);
    if (!resolved?.orgId) throw new Error(`bench grant ${funderId}/${grantId} did not resolve`);
    return resolved;
  };
  // The owner's recipient becomes an organisation only the owner may see. The reader's own grant to the same
  // company number under another name is a review pair with it, which the reader may not see (its id is computable
  // from the two record ids).
  const mention = await writeResolved(owner, 'owner', 'secret', 'Somebody', 'private');
  const theirs = await writeResolved(readerEditor, 'reader', 'mine', 'Quite Another Name', 'hub');
  const pairId = pairIdOf(mention.mentionId, theirs.mentionId);
  const storedPair = await services.client.send(
    new GetItemCommand({ TableName: names.TABLE_NAME, Key: marshall(pairKey(pairId)) }),
  );
  if (!storedPair.Item) throw new Error('the bench expected a review pair between the two records');
  const ask = await call(owner, 'POST', '/v1/opportunities', {
    title: 'A private ask',
    recipient: { name: 'Somebody' },
    themes: ['education'],
    regions: ['africa'],
    currency: 'USD',
    budget: 1000,
    deadline: '2030-01-01',
    visibility: 'private',
  });
  if (ask.status >= 300) throw new Error(`bench ask: ${ask.status} ${await ask.text()}`);
  const askId = ((await ask.json()) as { id: string }).id;

  // Organisation ids are computable from a record id: a made-up one names a grant the owner never wrote.
  const missingOrg = (i: number) => viewIdOf(`owner#never-${i}#0`);
  const missingPair = (i: number) => pairIdOf(`owner#never-${i}#0`, theirs.mentionId);
  const missingAsk = (i: number) => askId.replace(/.{8}$/, String(i).padStart(8, '0'));
  const resources: Array<{
    resource: string;
    route: string;
    hidden: string;
    missing: (i: number) => string;
  }> = [
    {
      resource: 'a grant',
      route: 'GET /v1/grants/{funderId}/{grantId}',
      hidden: '/v1/grants/owner/secret',
      missing: (i) => `/v1/grants/owner/never-${i}`,
    },
    {
      resource: "a grant's organisations",
      route: 'GET /v1/grants/{funderId}/{grantId}/organisations',
      hidden: '/v1/grants/owner/secret/organisations',
      missing: (i) => `/v1/grants/owner/never-${i}/organisations`,
    },
    {
      resource: 'an organisation',
      route: 'GET /v1/organisations/{orgId}',
      hidden: `/v1/organisations/${viewIdOf(mention.mentionId)}`,
      missing: (i) => `/v1/organisations/${missingOrg(i)}`,
    },
    {
      resource: 'a duplicate pair',
      route: 'GET /v1/duplicates/{pairId}',
      hidden: `/v1/duplicates/${pairId}`,
      missing: (i) => `/v1/duplicates/${missingPair(i)}`,
    },
    {
      resource: 'an ask',
      route: 'GET /v1/opportunities/{opportunityId}',
      hidden: `/v1/opportunities/${askId}`,
      missing: (i) => `/v1/opportunities/${missingAsk(i)}`,
    },
  ];

  const stats = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: list.reduce((a, b) => a + b, 0) / list.length,
    };
  };
  const per = (c: { read: number; write: number }) => ({
    read: c.read / options.requests,
    write: c.write / options.requests,
  });
  const once = async (path: string, times: number[], capacity: { read: number; write: number }) => {
    const before = { read: meter.read, write: meter.write };
    const t = performance.now();
    const res = await call(reader, 'GET', path);
    await res.text();
    times.push(performance.now() - t);
    if (res.status !== 404) throw new Error(`${path} answered ${res.status}`);
    capacity.read += meter.read - before.read;
    capacity.write += meter.write - before.write;
  };
  const timing: DisclosureBenchResult['timing'] = [];
  for (const r of resources) {
    options.log(`disclosure: hidden versus missing, ${r.resource}`);
    const hidden: number[] = [];
    const missing: number[] = [];
    const hiddenCapacity = { read: 0, write: 0 };
    const missingCapacity = { read: 0, write: 0 };
    // Warm up, then interleave: hidden, missing, missing, hidden, ...
    for (let i = 0; i < 20; i += 1) await once(r.hidden, [], { read: 0, write: 0 });
    for (let i = 0; i < options.requests; i += 1) {
      const pair: Array<[string, number[], { read: number; write: number }]> = [
        [r.hidden, hidden, hiddenCapacity],
        [r.missing(i), missing, missingCapacity],
      ];
      if (i % 2) pair.reverse();
      for (const [path, times, capacity] of pair) await once(path, times, capacity);
    }
    timing.push({
      resource: r.resource,
      route: r.route,
      requests: options.requests,
      hidden: stats(hidden),
      missing: stats(missing),
      hiddenCapacity: per(hiddenCapacity),
      missingCapacity: per(missingCapacity),
    });
  }
  await server.close();
  return {
    adversary,
    adversarySeconds,
    timing,
  };
}
