// A test world for digests: the hub with its stream poller, the world's funders and members, one hub-wide grant
// everyone may read (so every member has news), and digests going to an in-process queue and a recording mailer.
import { expect } from 'vitest';
import { createLocalDigestQueue, type LocalDigestQueue } from '../../local/digest-queue.ts';
import type { OutgoingMail } from '../../shared/digests/mailer.ts';
import { useDigestTransport } from '../../shared/digests/transport.ts';
import { startTestHub, type TestHub } from './hub.ts';
import { buildWorld, grantBody, type World } from './world.ts';

export interface DigestWorld {
  hub: TestHub;
  world: World;
  queue: LocalDigestQueue;
  /** Every message the mailer accepted, in order. */
  sent: OutgoingMail[];
}

export async function startDigestWorld(options: {
  maxAttempts: number;
  retryDelayMs: number;
  grant: { id: string; title: string };
}): Promise<DigestWorld> {
  // Feed entries are written in-process here, so nothing needs time to settle.
  process.env.DIGEST_SETTLE_SECONDS = '0';
  const hub = await startTestHub({ server: true, streams: true });
  const world = await buildWorld(hub.services);
  const res = await hub.request(
    world.keys.macarthur?.editor ?? null,
    'PUT',
    `/v1/grants/macarthur/${options.grant.id}`,
    grantBody(options.grant.id, { title: options.grant.title, visibility: 'hub' }),
  );
  expect(res.status).toBe(201);
  await hub.poller?.drain(60_000);
  const sent: OutgoingMail[] = [];
  const queue = createLocalDigestQueue({
    maxAttempts: options.maxAttempts,
    retryDelayMs: options.retryDelayMs,
  });
  useDigestTransport({
    queue,
    mailer: {
      async send(mail) {
        sent.push(mail);
        return { messageId: `m-${sent.length}` };
      },
    },
  });
  return { hub, world, queue, sent };
}

/** The reference (`period--funder--member`) of each member's digest of a period, sorted; members as `funder/member`. */
export const digestReferences = (period: string, members: readonly string[]): string[] =>
  members.map((who) => `${period}--${who.replace('/', '--')}`).sort();

/**
 * The request ids (`period--funder--member`) of the `digest.send` audit events of one period in the logs of these
 * members' funders (members as `funder/member`), sorted, one entry per event: a send recorded twice, or not at
 * all, shows.
 */
export async function sendAuditsOf(
  hub: TestHub,
  members: readonly string[],
  period: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const funderId of new Set(members.map((who) => who.split('/')[0] ?? ''))) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await hub.services.repos.audit.list(funderId, 500, startKey);
      for (const event of page.items) {
        if (event.action === 'digest.send' && event.requestId?.startsWith(`${period}--`)) {
          ids.push(event.requestId);
        }
      }
      startKey = page.lastKey;
    } while (startKey);
  }
  return ids.sort();
}
