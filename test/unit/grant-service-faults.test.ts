// Faults DynamoDB Local never produces, injected with aws-sdk-client-mock: lost races, throttling,
// unprocessed keys, timeouts, bad items.
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../shared/audit/audit-repository.ts';
import { createAuditService } from '../../shared/audit/audit-service.ts';
import { createGrantRepository } from '../../shared/grants/grant-repository.ts';
import { createGrantService } from '../../shared/grants/grant-service.ts';
import { grantBody } from '../support/world.ts';
import { principal } from '../support/world-principal.ts';

const docMock = mockClient(DynamoDBDocumentClient);
afterEach(() => docMock.reset());

function service() {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const deps = { doc, tableName: 'hub' };
  return createGrantService({
    repo: createGrantRepository(deps),
    audit: createAuditService({ repo: createAuditRepository(deps) }),
    // OSF, as the grants below name it: these tests are about the table's faults, not whose money it is.
    funding: {
      identities: async () => {
        const osf = { funderId: 'osf', name: 'Open Society Foundations', identifiers: ['US-EIN-137029285'] };
        return { own: [osf], all: [osf] };
      },
    },
  });
}
const ctx = { principal: principal('osf', 'osf-editor', 'editor', ['epim']) };
const grants = (n: number) => Array.from({ length: n }, (_, i) => grantBody(`g-${i}`));
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
const cancelled = (code: string) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: code }],
  });
const transactedIds = (call: number) =>
  (docMock.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? [])
    .map((t) => t.Put?.Item?.grantId)
    .filter(Boolean);

describe('single grant writes under faults', () => {
  it('turns a lost conditional race into 409 version_conflict', async () => {
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    await expect(service().put(ctx, 'osf', 'g', grantBody('g'))).rejects.toMatchObject({
      status: 409,
      code: 'version_conflict',
    });
  });

  it.each([
    [
      'a ValidationException',
      () => Object.assign(new Error('Item size has exceeded'), { name: 'ValidationException' }),
    ],
    ['a transaction cancelled for an invalid item', () => cancelled('ValidationError')],
  ])('answers a grant the table refuses with %s as a 400 naming it, not a 500', async (_label, refusal) => {
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).callsFake(() => {
      throw refusal();
    });
    await expect(service().put(ctx, 'osf', 'g', grantBody('g'))).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'grant', message: expect.stringMatching(/could not be stored/) }],
    });
  });

  it('refuses to serve an item that does not match its schema', async () => {
    docMock
      .on(GetCommand)
      .resolves({ Item: { PK: 'GRANT#osf#g', SK: 'CURRENT', funderId: 'osf', version: 'one' } });
    await expect(service().get(ctx, 'osf', 'g')).rejects.toThrow();
  });
});

describe('batch writes under faults', () => {
  it('writes a batch of new grants as 99 + 1 in two transactions, each with its audit event', async () => {
    docMock.on(BatchGetCommand).resolves({ Responses: { hub: [] } });
    docMock.on(TransactWriteCommand).resolves({});
    const out = await service().batchUpsert(ctx, { grants: grants(100) });
    expect(out.summary.created).toBe(100);
    const calls = docMock.commandCalls(TransactWriteCommand);
    expect(
      calls.map((c) => c.args[0].input.TransactItems?.length).sort((a, b) => (a ?? 0) - (b ?? 0)),
    ).toEqual([2, 100]);
    for (const call of calls) {
      const audits = (call.args[0].input.TransactItems ?? []).filter((t) =>
        String(t.Put?.Item?.PK).startsWith('AUDIT#'),
      );
      expect(audits).toHaveLength(1);
    }
  });

  it('retries unprocessed keys of the batch read, then writes', async () => {
    let reads = 0;
    docMock.on(BatchGetCommand).callsFake((input) => {
      reads += 1;
      const keys = input.RequestItems.hub.Keys;
      return reads === 1
        ? { Responses: { hub: [] }, UnprocessedKeys: { hub: { Keys: keys.slice(0, 3) } } }
        : { Responses: { hub: [] } };
    });
    docMock.on(TransactWriteCommand).resolves({});
    const out = await service().batchUpsert(ctx, { grants: grants(5) });
    expect(reads).toBe(2);
    expect(docMock.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.hub?.Keys).toHaveLength(3);
    expect(out.summary.created).toBe(5);
  });

  it('reports every grant for re-sending and writes nothing when keys stay unprocessed', async () => {
    docMock.on(BatchGetCommand).callsFake((input) => ({
      Responses: { hub: [] },
      UnprocessedKeys: { hub: { Keys: input.RequestItems.hub.Keys } },
    }));
    const out = await service().batchUpsert(ctx, { grants: grants(3) });
    expect(out.results.map((r) => r.code)).toEqual(Array(3).fill('temporarily_unavailable'));
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  }, 20_000);

  it('reports a throttled transaction’s grants for re-sending while the other transaction lands', async () => {
    docMock.on(BatchGetCommand).resolves({ Responses: { hub: [] } });
    docMock.on(TransactWriteCommand).callsFake((input) => {
      if (input.TransactItems.length > 50) throw throttled();
      return {};
    });
    const out = await service().batchUpsert(ctx, { grants: grants(100) });
    expect(out.summary).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 99 });
    expect(new Set(out.results.filter((r) => r.outcome === 'rejected').map((r) => r.code))).toEqual(
      new Set(['temporarily_unavailable']),
    );
  });

  it('treats a transaction cancelled by a conflict or throttling as transient, not as a lost race', async () => {
    docMock.on(BatchGetCommand).resolves({ Responses: { hub: [] } });
    docMock.on(TransactWriteCommand).rejects(cancelled('TransactionConflict'));
    const out = await service().batchUpsert(ctx, { grants: grants(2) });
    expect(out.results.map((r) => r.code)).toEqual(['temporarily_unavailable', 'temporarily_unavailable']);
  });

  it('retries grant by grant when the batch transaction loses a race, so one conflict blocks nothing else', async () => {
    docMock.on(BatchGetCommand).resolves({ Responses: { hub: [] } });
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).callsFake((input) => {
      const ids = input.TransactItems.map(
        (t: { Put?: { Item?: { grantId?: string } } }) => t.Put?.Item?.grantId,
      );
      if (input.TransactItems.length > 2 || ids.includes('g-1')) throw cancelled('ConditionalCheckFailed');
      return {};
    });
    const out = await service().batchUpsert(ctx, { grants: grants(3) });
    expect(out.results.map((r) => [r.id, r.outcome, r.code])).toEqual([
      ['g-0', 'created', undefined],
      ['g-1', 'rejected', 'version_conflict'],
      ['g-2', 'created', undefined],
    ]);
    expect(transactedIds(0)).toEqual(['g-0', 'g-1', 'g-2']);
  });

  it.each([
    [
      'a ValidationException',
      () =>
        Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        }),
    ],
    ['a transaction cancelled for an invalid item', () => cancelled('ValidationError')],
  ])('rejects by row only the grant the table refuses with %s, writing the rest', async (_label, refusal) => {
    docMock.on(BatchGetCommand).resolves({ Responses: { hub: [] } });
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).callsFake((input) => {
      const ids = input.TransactItems.map(
        (t: { Put?: { Item?: { grantId?: string } } }) => t.Put?.Item?.grantId,
      );
      if (ids.includes('g-1')) throw refusal();
      return {};
    });
    const out = await service().batchUpsert(ctx, { grants: grants(3) });
    expect(out.results.map((r) => [r.id, r.outcome])).toEqual([
      ['g-0', 'created'],
      ['g-1', 'rejected'],
      ['g-2', 'created'],
    ]);
    expect(out.results[1]?.errors?.[0]).toMatchObject({ field: 'grants.1' });
    expect(out.results[1]?.errors?.[0]?.message).toMatch(/could not be stored/);
  });

  it('writes nothing when the batch read times out', async () => {
    docMock
      .on(BatchGetCommand)
      .rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    const out = await service().batchUpsert(ctx, { grants: grants(2) });
    expect(out.results.map((r) => r.code)).toEqual(['temporarily_unavailable', 'temporarily_unavailable']);
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
