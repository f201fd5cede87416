// Local stand-in for the digest queue (SQS) and its consumer: messages are handed, as SQS events, to the SAME
// handler AWS invokes (functions/digests/deliver-digest.ts), a failed message is retried with its receive
// count going up, and after the last attempt it is parked in `deadLetters`, as SQS's redrive policy would.

import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { handler as deliverDigest } from '../functions/digests/deliver-digest.ts';
import type { DigestMessage } from '../schemas/digest.ts';
import type { DigestQueue } from '../shared/digests/digest-service.ts';
import { asFunction } from '../shared/http/function-scope.ts';

export interface LocalDigestQueue extends DigestQueue {
  /** Resolves when every message queued so far is delivered or parked. */
  drain(): Promise<void>;
  readonly deadLetters: DigestMessage[];
  readonly delivered: number;
}

export function createLocalDigestQueue(options: {
  maxAttempts: number;
  /** Delay before a failed message is seen again (SQS: its visibility timeout). */
  retryDelayMs?: number;
  concurrency?: number;
  onParked?: (message: DigestMessage) => void;
}): LocalDigestQueue {
  const waiting: Array<{ message: DigestMessage; receiveCount: number }> = [];
  const deadLetters: DigestMessage[] = [];
  let inFlight = 0;
  let delivered = 0;
  let idleWaiters: Array<() => void> = [];

  const recordOf = (message: DigestMessage, receiveCount: number): SQSRecord => ({
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:digests',
    awsRegion: 'local',
  });

  function settle() {
    if (inFlight === 0 && waiting.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function pump() {
    while (inFlight < (options.concurrency ?? 2) && waiting.length > 0) {
      const next = waiting.shift();
      if (!next) break;
      inFlight++;
      void run(next).finally(() => {
        inFlight--;
        pump();
        settle();
      });
    }
  }

  async function run(entry: { message: DigestMessage; receiveCount: number }) {
    const record = recordOf(entry.message, entry.receiveCount);
    const event: SQSEvent = { Records: [record] };
    let failed: boolean;
    try {
      const out = await asFunction('deliverDigest', () => deliverDigest(event));
      failed = out.batchItemFailures.length > 0;
    } catch {
      failed = true;
    }
    if (!failed) {
      delivered++;
      return;
    }
    if (entry.receiveCount >= options.maxAttempts) {
      deadLetters.push(entry.message);
      options.onParked?.(entry.message);
      return;
    }
    // Held back like an invisible SQS message, then queued again; the drain waits for it.
    inFlight++;
    setTimeout(() => {
      inFlight--;
      waiting.push({ message: entry.message, receiveCount: entry.receiveCount + 1 });
      pump();
      settle();
    }, options.retryDelayMs ?? 1000);
  }

  return {
    async enqueue(messages) {
      for (const message of messages) waiting.push({ message, receiveCount: 1 });
      pump();
    },
    drain() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
    get deadLetters() {
      return deadLetters;
    },
    get delivered() {
      return delivered;
    },
  };
}
