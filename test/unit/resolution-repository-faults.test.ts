// A mention's transaction meets another resolution's at a shared item (a common word's count): the write is a lost
// race the resolver redoes from a fresh read, not a failure; a cancelled condition stays one; anything else surfaces.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConditionFailedError } from '../../shared/db/conditions.ts';
import { createResolutionRepository } from '../../shared/organisations/resolution-repository.ts';
import { stubMention } from '../../tools/stub-mention.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const docMock = mockClient(doc);
afterEach(() => docMock.reset());

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('writing a mention when its transaction is cancelled', () => {
  const repo = createResolutionRepository({ doc, tableName: 'hub' });
  const write = () =>
    repo.writeMention({ next: stubMention({ countedTokens: ['trust'] }), previous: null, organisations: [] });

  it('counts the word in the same transaction as the mention', async () => {
    docMock.on(TransactWriteCommand).resolves({});
    await write();
    const items = docMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((i) => i.Update?.Key?.PK).filter(Boolean)).toEqual(['TOKEN#trust']);
  });

  it('reports a conflict with another transaction as a lost race, to be redone', async () => {
    docMock.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));
    await expect(write()).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('keeps a failed condition a lost race, and anything else an error', async () => {
    docMock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'TransactionConflict'));
    await expect(write()).rejects.toBeInstanceOf(ConditionFailedError);
    docMock.on(TransactWriteCommand).rejects(cancelled('None', 'ThrottlingError'));
    await expect(write()).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});
