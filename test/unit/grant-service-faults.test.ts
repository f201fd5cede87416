// Faults DynamoDB Local never produces, injected with aws-sdk-client-mock: lost races, throttling, bad items.
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
  });
}
const ctx = { principal: principal('osf', 'osf-editor', 'editor', ['epim']) };

const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });

describe('grant writes under faults', () => {
  it('turns a lost conditional race into 409 version_conflict', async () => {
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
      }),
    );
    await expect(service().put(ctx, 'osf', 'g', grantBody('g'))).rejects.toMatchObject({
      status: 409,
      code: 'version_conflict',
    });
  });

  it('reports throttled batch items for re-sending while the others are written', async () => {
    docMock.on(GetCommand).resolves({});
    let calls = 0;
    docMock.on(TransactWriteCommand).callsFake(() => {
      calls += 1;
      if (calls % 2 === 0) throw throttled();
      return {};
    });
    docMock.on(PutCommand).resolves({});
    const out = await service().batchUpsert(ctx, {
      grants: [grantBody('a'), grantBody('b'), grantBody('c'), grantBody('d')],
    });
    expect(out.summary.created + out.summary.rejected).toBe(4);
    expect(out.summary.rejected).toBe(2);
    for (const r of out.results.filter((x) => x.outcome === 'rejected'))
      expect(r.code).toBe('temporarily_unavailable');
  });

  it('surfaces a transaction cancelled by conflicts as transient, not as a lost race', async () => {
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'conflict',
        $metadata: {},
        CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
      }),
    );
    const out = await service().batchUpsert(ctx, { grants: [grantBody('a')] });
    expect(out.results[0]?.code).toBe('temporarily_unavailable');
  });

  it('refuses to serve an item that does not match its schema', async () => {
    docMock
      .on(GetCommand)
      .resolves({ Item: { PK: 'GRANT#osf#g', SK: 'CURRENT', funderId: 'osf', version: 'one' } });
    await expect(service().get(ctx, 'osf', 'g')).rejects.toThrow();
  });

  it('writes nothing more when a read before the write times out', async () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    docMock.on(GetCommand).rejects(timeout);
    const out = await service().batchUpsert(ctx, { grants: [grantBody('a')] });
    expect(out.results[0]?.code).toBe('temporarily_unavailable');
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
