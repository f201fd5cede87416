// The digest queue in AWS: one SQS message per member and period (the consumer makes delivery exactly once;
// the queue only has to lose nothing, so entries SQS refuses are sent again).
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DigestMessage } from '../../schemas/digest.ts';
import { backoff } from '../db/items.ts';
import type { DigestQueue } from './digest-service.ts';

const MAX_SEND_ATTEMPTS = 6;

export function createSqsDigestQueue(options: {
  queueUrl: string;
  region: string;
  client?: SQSClient;
}): DigestQueue {
  const client = options.client ?? new SQSClient({ region: options.region });
  return {
    async enqueue(messages) {
      for (let i = 0; i < messages.length; i += 10) {
        let batch: Array<{ Id: string; message: DigestMessage }> = messages
          .slice(i, i + 10)
          .map((message, j) => ({ Id: String(j), message }));
        for (let attempt = 0; batch.length > 0; attempt++) {
          if (attempt >= MAX_SEND_ATTEMPTS) {
            throw new Error(`SQS refused ${batch.length} digest messages ${MAX_SEND_ATTEMPTS} times`);
          }
          if (attempt > 0) await backoff(attempt);
          const out = await client.send(
            new SendMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: batch.map((b) => ({ Id: b.Id, MessageBody: JSON.stringify(b.message) })),
            }),
          );
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          batch = batch.filter((b) => failed.has(b.Id));
        }
      }
    },
  };
}
