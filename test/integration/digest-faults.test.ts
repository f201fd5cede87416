// Digests under faults injected into the real DynamoDB client: throttled claims, and the finishing transaction
// failing after the message went out. Every member still gets exactly one message for the period.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDigestQueue } from '../../local/digest-queue.ts';
import type { OutgoingMail } from '../../shared/digests/mailer.ts';
import { periodOf } from '../../shared/digests/periods.ts';
import { useDigestTransport } from '../../shared/digests/transport.ts';
import { createServices, setServicesForTests } from '../../shared/services.ts';
import { digestReferences, sendAuditsOf, startDigestWorld } from '../support/digest-world.ts';
import {
  faultyClient,
  THROTTLE_RATES,
  throttled,
  throttlingClient,
  transactionConflict,
} from '../support/faults.ts';
import { withServices } from '../support/handlers.ts';
import type { TestHub } from '../support/hub.ts';
import { grantBody, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;
let queue: LocalDigestQueue;
let sent: OutgoingMail[];

/** Every member of the test world but the operator. */
const MEMBERS = ['osf', 'macarthur', 'nef', 'epim-detention'].flatMap((f) =>
  ['viewer', 'editor', 'admin'].map((r) => `${f}/${f}-${r}`),
);

beforeAll(async () => {
  ({ hub, world, queue, sent } = await startDigestWorld({
    maxAttempts: 5,
    retryDelayMs: 20,
    grant: { id: 'faults-1', title: 'Hub grant under faults' },
  }));
});
afterAll(async () => {
  useDigestTransport(undefined);
  setServicesForTests(hub.services);
  await hub?.close();
});

// Each test runs whole digest periods for every demo member (a gap snapshot per theme each): alone about 3-12 s,
// but minutes when the full suite loads both cores, so the time limit is the suite's, not the 60 s default.
describe('digests under faults', { timeout: 240_000 }, () => {
  it('sends each member one message when claims are throttled and every finishing transaction fails', async () => {
    const injected = { claims: 0, transactions: 0 };
    const client = faultyClient(1, (command) => {
      // The first claims are throttled (the message is retried); every finishing transaction is cancelled,
      // after the message went out.
      if (command === 'UpdateItemCommand' && injected.claims < 6) {
        injected.claims += 1;
        return throttled();
      }
      if (command === 'TransactWriteItemsCommand') {
        injected.transactions += 1;
        return transactionConflict();
      }
      return null;
    });
    const faulty = createServices(hub.services.config, client);
    const period = periodOf('weekly', new Date());
    await withServices(faulty, async () => {
      await Promise.all([faulty.digests.startRun(null, {}), faulty.digests.startRun(null, {})]);
      await queue.drain();
    });
    expect(injected.claims).toBe(6);
    expect(injected.transactions).toBe(MEMBERS.length);
    expect(queue.deadLetters).toEqual([]);
    expect(sent.map((m) => m.reference).sort()).toEqual(digestReferences(period, MEMBERS));
    // Each send audited once, although its finishing transaction (which carries the event) never committed.
    expect(await sendAuditsOf(hub, MEMBERS, period)).toEqual(digestReferences(period, MEMBERS));
    for (const who of MEMBERS) {
      const [funderId = '', memberId = ''] = who.split('/');
      expect(await hub.services.repos.digests.get(funderId, memberId, period)).toMatchObject({
        status: 'sent',
        messageId: expect.stringMatching(/^m-\d+$/),
      });
      // The state did not move on: the next digest repeats this news rather than this one going out twice.
      expect((await hub.services.repos.digests.getState(funderId, memberId))?.lastWindowTo).toBeUndefined();
    }

    // Triggered again with the faults gone: nothing more for this period.
    await hub.services.digests.startRun(null, {});
    await queue.drain();
    expect(sent).toHaveLength(MEMBERS.length);
    expect(await sendAuditsOf(hub, MEMBERS, period)).toEqual(digestReferences(period, MEMBERS));
  });

  let week = 0;
  /** A week of its own (each after the last), with news for everyone: a new hub-wide grant. */
  async function nextWeekWithNews(title: string) {
    week += 1;
    const at = new Date(Date.UTC(2027, 0, 4 + 7 * week, 7)).toISOString();
    const res = await hub.request(
      world.keys.macarthur?.editor ?? null,
      'PUT',
      `/v1/grants/macarthur/week-${week}`,
      grantBody(`week-${week}`, { title, visibility: 'hub' }),
    );
    expect(res.status).toBe(201);
    await hub.poller?.drain(60_000);
    return { at, period: periodOf('weekly', new Date(at)) };
  }

  it.each(THROTTLE_RATES)(
    'sends each member exactly one message for a period with %s of calls throttled',
    async (label, share) => {
      const { at, period } = await nextWeekWithNews(`Hub grant, ${label} throttled`);
      const sentFor = () =>
        sent
          .map((m) => m.reference)
          .filter((r) => r.startsWith(`${period}--`))
          .sort();
      const parkedBefore = queue.deadLetters.length;

      let rate: number = share;
      const { client, injected } = throttlingClient(() => rate, 21 + week);
      const faulty = createServices(hub.services.config, client);
      await withServices(faulty, async () => {
        if (share === 1) {
          // An outage: the scheduled run cannot read who is due, and a run queued just before it began finds
          // every delivery failing until SQS parks the messages. Nothing goes out, nothing is recorded as sent.
          await expect(faulty.digests.startRun(null, { at })).rejects.toThrow(
            /exceeds the allowed throughput/,
          );
          await hub.services.digests.startRun(null, { at });
          await queue.drain();
          expect(sentFor()).toEqual([]);
          expect(queue.deadLetters.length - parkedBefore).toBe(MEMBERS.length);
          rate = 0;
        } else {
          // EventBridge Scheduler retries a failed invocation: the run is started until it queues its messages.
          for (let attempt = 1; ; attempt++) {
            try {
              await faulty.digests.startRun(null, { at });
              break;
            } catch (error) {
              if (attempt >= 10) throw error;
            }
          }
          await queue.drain();
        }
      });
      expect(injected.throttled).toBeGreaterThan(0);
      // The period's next trigger (the schedule's next run, or a redrive of what was parked) takes up the rest.
      await hub.services.digests.startRun(null, { at });
      await queue.drain();
      expect(sentFor()).toEqual(digestReferences(period, MEMBERS));
      expect(await sendAuditsOf(hub, MEMBERS, period)).toEqual(digestReferences(period, MEMBERS));
      for (const who of MEMBERS) {
        const [funderId = '', memberId = ''] = who.split('/');
        expect(await hub.services.repos.digests.get(funderId, memberId, period)).toMatchObject({
          status: 'sent',
        });
      }
    },
  );

  it('records each send in the audit log when writes of audit events alone are failing', async () => {
    const { at, period } = await nextWeekWithNews('Hub grant, audit writes failing');
    // An audit event written on its own (a PutItem of an audit item) fails, SDK retries included: a send's
    // event must reach the log with the send's own outcome, not in a write after it.
    let refused = 0;
    const client = faultyClient(1, (command, input) => {
      const item = input.Item as { entity?: { S?: string } } | undefined;
      if (command === 'PutItemCommand' && item?.entity?.S === 'audit') {
        refused += 1;
        return throttled();
      }
      return null;
    });
    const faulty = createServices(hub.services.config, client);
    await withServices(faulty, async () => {
      await faulty.digests.startRun(null, { at });
      await queue.drain();
    });
    expect(
      sent
        .filter((m) => m.reference.startsWith(`${period}--`))
        .map((m) => m.reference)
        .sort(),
    ).toEqual(digestReferences(period, MEMBERS));
    expect(await sendAuditsOf(hub, MEMBERS, period)).toEqual(digestReferences(period, MEMBERS));
    expect(refused).toBe(0);
  });
});
