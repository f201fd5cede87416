// Where digest messages and emails go: SQS and SES from the configuration in AWS; `npm start` and tests put
// an in-process queue and an outbox (or a test mailer) in their place.
import type { Config } from '../config.ts';
import { type DigestTransport, digestsNotConfigured } from './digest-service.ts';
import { createSesMailer } from './mailer.ts';
import { createSqsDigestQueue } from './sqs-queue.ts';

let override: DigestTransport | undefined;
let fromConfig: DigestTransport | undefined;

export function useDigestTransport(transport: DigestTransport | undefined): void {
  override = transport;
}

export function digestTransport(config: Config): DigestTransport {
  if (override) return override;
  fromConfig ??= {
    queue: config.DIGEST_QUEUE_URL
      ? createSqsDigestQueue({ queueUrl: config.DIGEST_QUEUE_URL, region: config.AWS_REGION })
      : { enqueue: async () => digestsNotConfigured('digest queue (DIGEST_QUEUE_URL)') },
    mailer: config.DIGEST_FROM_ADDRESS
      ? createSesMailer({ from: config.DIGEST_FROM_ADDRESS, region: config.AWS_REGION })
      : { send: async () => digestsNotConfigured('sender identity (DIGEST_FROM_ADDRESS)') },
  };
  return fromConfig;
}
