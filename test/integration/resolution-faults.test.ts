// The stream handler under injected faults (throttled calls, cancelled transactions) against DynamoDB Local:
// failed records are reported, re-delivered from the first failure as Lambda does, and the end state is whole:
// every mention resolved once, organisation counts exact, block memberships exactly those the mentions list.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/streams/resolve-organisations.ts';
import { getConfig } from '../../shared/config.ts';
import { currentItem } from '../../shared/grants/grant-repository.ts';
import { createServices, setServicesForTests } from '../../shared/services.ts';
import { seededRandom } from '../../tools/seeded-random.ts';
import { faultyClient, throttled, transactionConflict } from '../support/faults.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

/** A client that fails a share of writes and reads the way DynamoDB does under load (SDK retries off). */
function unreliableClient() {
  const random = seededRandom(7);
  const injected = { throttled: 0, cancelled: 0 };
  const client = faultyClient(1, (command) => {
    if (command === 'TransactWriteItemsCommand' && random() < 0.25) {
      injected.cancelled += 1;
      return transactionConflict();
    }
    if (random() < 0.08) {
      injected.throttled += 1;
      return throttled();
    }
    return null;
  });
  return { client, injected };
}

async function scanAll() {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await setup.hub.services.client.send(
      new ScanCommand({ TableName: setup.hub.names.TABLE_NAME, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

describe('organisation resolution from the stream under faults', () => {
  it('reports failed records, resolves them on re-delivery, and ends whole', async () => {
    // 30 grants from three funders to 10 charities, each written a different way by each funder.
    const writers = ['osf', 'macarthur', 'nef'];
    const records: DynamoDBRecord[] = [];
    for (let i = 0; i < 30; i++) {
      const funder = writers[i % 3] as string;
      const charity = i % 10;
      const principal = setup.world.principals[funder]?.editor;
      if (!principal) throw new Error('no editor');
      const name = ['Ashdown Refugee Link', 'ASHDOWN REFUGEE LINK', 'Ashdown Refugee Link Ltd'][i % 3];
      await setup.hub.services.grants.put({ principal }, funder, `sf-${i}`, {
        ...grantBody(`sf-${i}`),
        recipientOrganization: [
          {
            id: `360G-${funder}-${charity}`,
            name: `${name} ${charity}`,
            charityNumber: String(1_200_000 + charity),
          },
        ],
      });
      const stored = await setup.hub.services.repos.grants.getCurrent(funder, `sf-${i}`);
      if (!stored) throw new Error('not stored');
      records.push({
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: String(1000 + i),
          // biome-ignore lint/suspicious/noExplicitAny: Lambda's and the SDK's AttributeValue types are the same JSON
          NewImage: marshall(currentItem(stored), { removeUndefinedValues: true }) as any,
        },
      });
    }

    // A pooled fund's grant, a member's FRG040 report of its share, and a doubtful pair (one company number).
    const extra = [
      [
        'epim-detention',
        'sf-pool',
        { amountAwarded: 300000 },
        { id: '360G-pool', name: 'Ashdown Refugee Link 0', charityNumber: '1200000' },
      ],
      [
        'osf',
        'sf-share',
        { amountAwarded: 100000, regrantType: 'FRG040' },
        { id: '360G-osf-share', name: 'Ashdown Refugee Link 0', charityNumber: '1200000' },
      ],
      ['osf', 'sf-doubt-a', {}, { id: 'GB-COH-08112277', name: 'Kestrel Migrant Voice' }],
      [
        'macarthur',
        'sf-doubt-b',
        {},
        { id: '360G-mac-k', name: 'Kestrel Voices Network', companyNumber: '8112277' },
      ],
    ] as const;
    for (const [funder, id, fields, org] of extra) {
      const principal = setup.world.principals[funder]?.editor;
      if (!principal) throw new Error('no editor');
      await setup.hub.services.grants.put({ principal }, funder, id, {
        ...grantBody(id),
        ...fields,
        visibility: 'hub',
        recipientOrganization: [org],
      });
      const stored = await setup.hub.services.repos.grants.getCurrent(funder, id);
      if (!stored) throw new Error('not stored');
      records.push({
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: String(2000 + records.length),
          // biome-ignore lint/suspicious/noExplicitAny: Lambda's and the SDK's AttributeValue types are the same JSON
          NewImage: marshall(currentItem(stored), { removeUndefinedValues: true }) as any,
        },
      });
    }

    const { client, injected } = unreliableClient();
    setServicesForTests(createServices(getConfig(), client));
    let pending = records;
    let deliveries = 0;
    let reported = 0;
    while (pending.length > 0 && deliveries < 200) {
      deliveries += 1;
      const response = await handler({ Records: pending } as DynamoDBStreamEvent);
      if (response.batchItemFailures.length === 0) break;
      reported += response.batchItemFailures.length;
      // Lambda checkpoints before the first failed record and re-delivers from it.
      const first = response.batchItemFailures[0]?.itemIdentifier;
      pending = pending.slice(pending.findIndex((r) => r.dynamodb?.SequenceNumber === first));
    }
    setServicesForTests(setup.hub.services);
    expect(injected.cancelled + injected.throttled).toBeGreaterThan(0);
    expect(reported).toBeGreaterThan(0);

    const items = await scanAll();
    const mentions = items.filter((i) => i.entity === 'mention');
    expect(mentions).toHaveLength(34);
    // One organisation per charity, holding exactly its mentions; the doubtful pair stays apart, queued.
    const byOrg = new Map<string, string[]>();
    for (const m of mentions)
      byOrg.set(String(m.orgId), [...(byOrg.get(String(m.orgId)) ?? []), String(m.grantId)]);
    expect(byOrg.size).toBe(12);
    expect([...byOrg.values()].map((g) => g.length).sort((a, b) => a - b)).toEqual([
      1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5,
    ]);
    expect(items.filter((i) => i.entity === 'pair')).toHaveLength(1);
    expect(items.filter((i) => i.entity === 'pair-queue')).toHaveLength(2);
    // The member's share counts within the pooled fund's grant.
    expect(mentions.find((m) => m.grantId === 'sf-share')?.moneyLink).toMatchObject({
      kind: 'contribution',
      toMentionId: 'epim-detention#sf-pool#0',
    });
    for (const org of items.filter((i) => i.entity === 'organisation')) {
      expect(org.mentionCount).toBe(byOrg.get(String(org.orgId))?.length ?? 0);
    }
    // Block memberships are exactly the ones the mentions list: none lost, none left over.
    const expected = mentions
      .flatMap((m) => (m.blockKeys as string[]).map((k) => `BLOCK#${k}|${m.mentionId}`))
      .sort();
    const stored = items
      .filter((i) => i.entity === 'block-member')
      .map((i) => `${i.PK}|${i.SK}`)
      .sort();
    expect(stored).toEqual(expected);
  });
});
