// Digests: a scheduled run fans out one message per member and period; each message builds that member's
// digest with the member's own permissions and preferences, sends it, and records it, exactly once per
// member and period (a conditional claim with a lease; see digest-repository.ts).
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_DIGEST_PREFERENCES,
  DIGEST_RUN_WINDOW,
  type DigestContent,
  type DigestMessage,
  type DigestPreferences,
  type DigestRun,
  type DigestState,
  type DigestView,
  DigestViewSchema,
  type FeedEntry,
  ListDigestsQuerySchema,
  StartDigestRunRequestSchema,
  UpdateDigestPreferencesRequestSchema,
} from '../../schemas/digest.ts';
import { GapQuerySchema } from '../../schemas/gaps.ts';
import { THEMES } from '../../schemas/taxonomy.ts';
import type { Funder, Member, Principal } from '../../schemas/tenancy.ts';
import { canRead, hasRole, readableSharedScopes, requireRole } from '../access/policy.ts';
import {
  ANONYMOUS_AUDIT_PARTITION,
  type AuditContext,
  type AuditService,
  newAuditEvent,
} from '../audit/audit-service.ts';
import type { AuthFailures } from '../auth/auth-failures.ts';
import { isTransient } from '../db/conditions.ts';
import { backoff } from '../db/items.ts';
import {
  digestPartition,
  funderDigestsPartition,
  funderFeedPartition,
  sharedFeedPartition,
} from '../db/keys.ts';
import { AppError, ForbiddenError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors.ts';
import type { GapService } from '../gaps/gap-service.ts';
import { logger } from '../logger.ts';
import type { OpportunityService } from '../opportunities/opportunity-service.ts';
import type { DuplicateService } from '../organisations/duplicate-service.ts';
import { cursorOwner, onePartitionCursor } from '../pagination/cursor.ts';
import type { FunderRepository } from '../tenancy/funder-repository.ts';
import type { MemberRepository } from '../tenancy/member-repository.ts';
import type { TenancyService } from '../tenancy/tenancy-service.ts';
import { parseOrThrow } from '../validation.ts';
import type { DigestRepository, FeedPartition } from './digest-repository.ts';
import type { Mailer } from './mailer.ts';
import { daysBetween, periodLengthMs, periodOf } from './periods.ts';
import { digestCounts, isEmptyDigest, renderDigest } from './render.ts';

export interface DigestQueue {
  enqueue(messages: DigestMessage[]): Promise<void>;
}

export interface DigestTransport {
  queue: DigestQueue;
  mailer: Mailer;
}

export interface DigestSettings {
  /** Feed entries younger than this are left for the next digest, so one still being written is not skipped. */
  settleSeconds: number;
  /** How long a worker owns a member's period before another may take it over. */
  leaseSeconds: number;
  /** Deliveries of one message before it is parked (matches the queue's maxReceiveCount). */
  maxAttempts: number;
  /** Base of links in emails (the API's public URL). */
  publicUrl: string;
}

/** Grants listed in one digest (the count covers all of them). */
const MAX_LISTED_GRANTS = 20;
/** Feed entries read per feed partition and digest; beyond it the count says "N+". */
const MAX_FEED_PER_PARTITION = 2000;
/** New dependencies listed in one digest. */
const MAX_LISTED_DEPENDENCIES = 10;
/** Dependencies remembered between digests. */
const MAX_REMEMBERED = 2000;

class DigestsNotConfiguredError extends AppError {
  constructor(what: string) {
    super(503, 'digests_not_configured', 'Digests not configured', `This deployment has no ${what}.`);
  }
}

export function digestsNotConfigured(what: string): never {
  throw new DigestsNotConfiguredError(what);
}

const overlaps = (wanted: string[], have: string[]) =>
  wanted.length === 0 || have.some((x) => wanted.includes(x));

/** Tries of a write that records a delivery's outcome, beyond the SDK's own attempts at each. */
const RECORD_TRIES = 5;

/**
 * Records a delivery's outcome, retrying with backoff while DynamoDB is throttling or briefly unavailable: a
 * sent message left unrecorded would go out again, and a failed attempt left unreleased holds the period until
 * its lease expires. A lost claim (failed condition) is not retried.
 */
async function untilRecorded(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= RECORD_TRIES || !isTransient(error)) throw error;
      await backoff(attempt);
    }
  }
}

export function createDigestService(deps: {
  repo: DigestRepository;
  funders: FunderRepository;
  members: MemberRepository;
  tenancy: TenancyService;
  opportunities: OpportunityService;
  duplicates: DuplicateService;
  gaps: GapService;
  audit: AuditService;
  transport: () => DigestTransport;
  settings: () => DigestSettings;
  /** Refused unsubscribe links count as failed authentications of their source (shared/auth/auth-failures.ts). */
  linkFailures?: Pick<AuthFailures, 'isBlocked' | 'record'>;
  now?: () => Date;
}) {
  const { repo, funders, members, tenancy, audit } = deps;
  const now = deps.now ?? (() => new Date());

  const preferencesOf = (member: Member): DigestPreferences => member.digest ?? DEFAULT_DIGEST_PREFERENCES;

  async function principalOf(funder: Funder, member: Member): Promise<Principal> {
    return {
      funderId: funder.id,
      memberId: member.id,
      keyId: 'digest',
      role: member.role,
      collaboratives: await tenancy.collaborativesOf(funder),
    };
  }

  /** An unsubscribe link works for this long after it was sent (each digest carries a fresh one). */
  const LINK_DAYS = 90;

  const sign = (state: Pick<DigestState, 'funderId' | 'memberId' | 'linkSecret'>, expires: number) =>
    createHmac('sha256', Buffer.from(state.linkSecret, 'hex'))
      .update(`unsubscribe:${state.funderId}.${state.memberId}.${expires}`)
      .digest('base64url');

  const unsubscribeUrl = (state: DigestState) => {
    const expires = Math.floor(now().getTime() / 1000) + LINK_DAYS * 86_400;
    return `${deps.settings().publicUrl.replace(/\/$/, '')}/v1/digests/unsubscribe?token=${state.funderId}.${state.memberId}.${expires}.${sign(state, expires)}`;
  };

  const ensureState = (funderId: string, memberId: string) =>
    repo.ensureState({
      funderId,
      memberId,
      linkSecret: randomBytes(32).toString('hex'),
      dependent: [],
      exiting: [],
    });

  /** Grants the member may see that changed in [from, to), newest version of each, narrowed by preferences. */
  async function changedGrants(principal: Principal, prefs: DigestPreferences, from: string, to: string) {
    const days = daysBetween(from, to);
    const partitions: FeedPartition[] = days.flatMap((day) => [
      { index: 'GSI1' as const, partition: funderFeedPartition(principal.funderId, day) },
      ...readableSharedScopes(principal).map((scope) => ({
        index: 'GSI2' as const,
        partition: sharedFeedPartition(scope, day),
      })),
    ]);
    let truncated = false;
    const latest = new Map<string, FeedEntry>();
    for (const partition of partitions) {
      const page = await repo.readFeed(partition, from, to, MAX_FEED_PER_PARTITION);
      truncated ||= page.more;
      for (const entry of page.items) {
        // The funder's own grants come from its own partition; the shared ones must still be readable.
        if (partition.index === 'GSI2' && entry.funderId === principal.funderId) continue;
        if (!canRead(principal, entry.funderId, entry.visibility)) continue;
        if (!overlaps(prefs.themes, entry.themes) || !overlaps(prefs.regions, entry.regions)) continue;
        const id = `${entry.funderId}/${entry.grantId}`;
        const seen = latest.get(id);
        if (!seen || seen.version < entry.version)
          latest.set(id, seen ? { ...entry, change: merged(seen, entry) } : entry);
      }
    }
    const items = [...latest.values()].sort(
      (a, b) => b.recordedAt.localeCompare(a.recordedAt) || a.grantId.localeCompare(b.grantId),
    );
    return { total: items.length, truncated, items: items.slice(0, MAX_LISTED_GRANTS) };
  }

  /** A grant created and then changed within one digest is still news as "new". */
  const merged = (earlier: FeedEntry, later: FeedEntry): FeedEntry['change'] =>
    later.change === 'withdrawn' ? 'withdrawn' : earlier.change === 'new' ? 'new' : later.change;

  /** Dependencies and exiting funders as the member may see them now, for the themes they follow. */
  async function gapSnapshot(ctx: AuditContext, prefs: DigestPreferences) {
    const themes = prefs.themes.length > 0 ? prefs.themes : [...THEMES];
    const dependent = new Map<
      string,
      DigestContent['gapChanges']['newlyDependent'][number] & { atRisk: boolean; amount: number }
    >();
    const exiting = new Set<string>();
    for (const theme of themes) {
      const out = await deps.gaps.gaps(ctx, GapQuerySchema.parse({ theme, groupBy: '' }));
      for (const cell of out.cells) {
        for (const f of cell.exitingFunders.funderIds) exiting.add(f);
        for (const d of cell.dependentGrantees?.items ?? []) {
          dependent.set(`${d.orgId}|${d.funderId}`, {
            theme,
            orgId: d.orgId,
            name: d.name,
            funderId: d.funderId,
            share: d.share,
            atRisk: d.atRisk,
            amount: d.amount,
          });
        }
      }
    }
    return { dependent, exiting };
  }

  async function build(
    funder: Funder,
    member: Member,
    principal: Principal,
    state: DigestState,
    window: { from: string; to: string; period: string },
  ): Promise<{ content: DigestContent; next: DigestState }> {
    const prefs = preferencesOf(member);
    const ctx: AuditContext = { principal, requestId: `digest-${window.period}` };
    const inWindow = (at: string) => at >= window.from && at < window.to;
    const grants = await changedGrants(principal, prefs, window.from, window.to);
    const asks = await deps.opportunities.openAsks(ctx);
    const opportunities = asks
      .filter(
        (o) =>
          o.funderId !== principal.funderId &&
          inWindow(o.createdAt) &&
          overlaps(prefs.themes, o.themes) &&
          overlaps(prefs.regions, o.regions),
      )
      .map((o) => ({
        id: o.id,
        funderId: o.funderId,
        title: o.title,
        recipient: o.recipient.name,
        currency: o.currency,
        unmet: o.unmet,
        deadline: o.deadline,
      }));
    const pledges = asks
      .filter((o) => o.funderId === principal.funderId)
      .flatMap((o) =>
        o.pledges
          .filter((p) => p.funderId !== principal.funderId && inWindow(p.updatedAt))
          .map((p) => ({
            opportunityId: o.id,
            title: o.title,
            funderId: p.funderId,
            status: p.status,
            amount: p.amount,
            currency: o.currency,
            at: p.updatedAt,
          })),
      );
    const queue = await deps.duplicates.list(ctx, { limit: 100 });
    const newPairs = queue.items.filter((d) => inWindow(d.createdAt));
    const snapshot = await gapSnapshot(ctx, prefs);
    const mentioned = new Set<string>([
      ...grants.items.map((g) => g.funderId),
      ...opportunities.map((o) => o.funderId),
      ...pledges.map((p) => p.funderId),
      ...snapshot.exiting,
      ...[...snapshot.dependent.values()].map((d) => d.funderId),
      ...newPairs.flatMap((d) => [d.a.funderId, d.b.funderId]),
    ]);
    const funderNames = Object.fromEntries(
      await Promise.all(
        [...mentioned].sort().map(async (id) => [id, (await funders.get(id))?.name ?? id] as const),
      ),
    );
    const exitingNames = [...snapshot.exiting]
      .filter((id) => !state.exiting.includes(id))
      .sort()
      .map((id) => ({ funderId: id, name: funderNames[id] ?? id }));
    const content: DigestContent = {
      member: { id: member.id, name: member.name, email: member.email, funderName: funder.name },
      period: window.period,
      windowFrom: window.from,
      windowTo: window.to,
      preferences: prefs,
      funderNames,
      grants,
      opportunities,
      pledges,
      duplicates: {
        count: newPairs.length,
        waiting: queue.items.length,
        more: queue.nextCursor !== null,
        items: newPairs.slice(0, 5).map((d) => ({
          pairId: d.pairId,
          summary: `"${d.a.name}" (${funderNames[d.a.funderId] ?? d.a.funderId}) and "${d.b.name}" (${funderNames[d.b.funderId] ?? d.b.funderId}), score ${d.score.toFixed(2)}`,
        })),
      },
      gapChanges: {
        // Those whose funder is leaving first, then by money at stake.
        newlyDependent: [...snapshot.dependent.entries()]
          .filter(([key]) => !state.dependent.includes(key))
          .map(([, d]) => d)
          .sort((a, b) => Number(b.atRisk) - Number(a.atRisk) || b.amount - a.amount)
          .slice(0, MAX_LISTED_DEPENDENCIES)
          .map(({ atRisk: _, amount: __, ...d }) => d),
        newlyExiting: exitingNames,
      },
    };
    const next: DigestState = {
      ...state,
      lastWindowTo: window.to,
      lastPeriod: window.period,
      dependent: [...snapshot.dependent.keys()].sort().slice(0, MAX_REMEMBERED),
      exiting: [...snapshot.exiting].sort(),
    };
    return { content, next };
  }

  /** The window a digest built at `at` covers: from where the last one stopped, up to the settled present. */
  function windowOf(state: DigestState, prefs: DigestPreferences, at: Date, period: string) {
    const to = new Date(at.getTime() - deps.settings().settleSeconds * 1000).toISOString();
    const frequency = prefs.frequency === 'off' ? 'weekly' : prefs.frequency;
    const from = state.lastWindowTo ?? new Date(Date.parse(to) - periodLengthMs(frequency)).toISOString();
    // Strings, not numbers: ISO instants compare in time order.
    return { from: [from, to].sort()[0] ?? to, to, period };
  }

  async function loadMember(funderId: string, memberId: string) {
    const [funder, member] = await Promise.all([funders.get(funderId), members.get(funderId, memberId)]);
    return funder && member ? { funder, member } : null;
  }

  const toView = (r: DigestView): DigestView => DigestViewSchema.parse(r);

  const tooMany = () =>
    new TooManyRequestsError(
      'Too many refused links or keys from this address this minute; try again in a minute.',
    );

  /**
   * Whether an unsubscribe link is good (signed for this member, not expired, not older than the member's latest
   * digest settings unless digests are off already): a 400 naming query.token if not. A forged or edited link
   * counts against its source as a failed authentication and is audited (in the named member's funder's log when
   * the link names a real member, else as unauthenticated, kept 90 days); past the limit the source is answered
   * 429 for the rest of the minute, unaudited, without a lookup.
   */
  async function checkUnsubscribe(token: string, source = 'unknown') {
    if (deps.linkFailures?.isBlocked('source', source)) throw tooMany();
    const [funderId = '', memberId = '', expiresText = '', signature = ''] = token.split('.');
    const state = await repo.getState(funderId, memberId);
    const refuse = async (reason: string): Promise<never> => {
      const counted = (await deps.linkFailures
        ?.record([{ scope: 'source', value: source }])
        .catch((error: unknown) => {
          logger.error('counting a refused unsubscribe link failed', { error });
          return undefined;
        })) ?? { over: [], firstOver: false };
      if (counted.over.length === 0 || counted.firstOver) {
        await audit
          .recordAnonymousDenial(state ? funderId : ANONYMOUS_AUDIT_PARTITION, {
            resource: 'digest unsubscribe link',
            reason: counted.firstOver
              ? `${reason}; rate limited: too many failed authentications a minute from source ${source} (later ones this minute are refused unaudited)`
              : reason,
            ...(state ? { memberId } : {}),
          })
          .catch((error: unknown) => logger.error('audit of a refused unsubscribe link failed', { error }));
      }
      if (counted.over.length > 0) throw tooMany();
      throw new ValidationError([{ field: 'query.token', message: 'is not a valid unsubscribe link' }]);
    };
    if (!state) return refuse('unsubscribe link for no such member');
    // The expiry as the hub writes it, digits without leading zeros: one link, one spelling.
    if (!/^[1-9]\d{0,11}$/.test(expiresText)) return refuse('malformed unsubscribe link');
    const expires = Number(expiresText);
    const expected = Buffer.from(sign(state, expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return refuse('unsubscribe link with a wrong signature for this member');
    }
    if (expires * 1000 < now().getTime()) {
      throw new ValidationError([
        {
          field: 'query.token',
          message: `has expired (links work for ${LINK_DAYS} days): turn digests off in the console or with PATCH /v1/me/digest-preferences`,
        },
      ]);
    }
    const member = await members.get(funderId, memberId);
    if (!member) return refuse('unsubscribe link for a removed member');
    const sentAt = expires - LINK_DAYS * 86_400;
    const changedAt = member.digestChangedAt ? Math.floor(Date.parse(member.digestChangedAt) / 1000) : 0;
    const alreadyOff = preferencesOf(member).frequency === 'off';
    // Settings changed since the link was sent (digests turned back on, say): an old digest, forwarded or
    // archived, no longer turns them off. Clicking a link again once digests are off is harmless, and allowed.
    if (changedAt > sentAt && !alreadyOff) {
      throw new ValidationError([
        {
          field: 'query.token',
          message: `was sent before the digest settings last changed (${new Date(changedAt * 1000).toISOString()}): use the link in a later digest, the console, or PATCH /v1/me/digest-preferences`,
        },
      ]);
    }
    return { funderId, memberId, member, alreadyOff };
  }

  return {
    /** One message per member whose digest is due in the period holding `at`; the queue does the rest. */
    async startRun(ctx: AuditContext | null, body: unknown): Promise<DigestRun> {
      const request = parseOrThrow(StartDigestRunRequestSchema, body ?? {}, 'body');
      let scope: string | null = null;
      if (ctx) {
        requireRole(ctx.principal, 'admin', 'digest.run', 'digests');
        if (ctx.principal.role !== 'operator') scope = ctx.principal.funderId;
      }
      const at = request.at ? new Date(request.at) : now();
      // A member's request may not reach absurd periods; the scheduler (no ctx) runs whatever it is given.
      const ms = at.getTime() - now().getTime();
      if (
        ctx &&
        (ms < -DIGEST_RUN_WINDOW.pastDays * 86_400_000 || ms > DIGEST_RUN_WINDOW.futureMinutes * 60_000)
      ) {
        throw new ValidationError([
          {
            field: 'body.at',
            message: `must be within the last ${DIGEST_RUN_WINDOW.pastDays} days and at most ${DIGEST_RUN_WINDOW.futureMinutes} minutes ahead`,
            value: request.at,
          },
        ]);
      }
      const all: Funder[] = [];
      if (scope) {
        const own = await funders.get(scope);
        if (own) all.push(own);
      } else {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await funders.list(100, startKey);
          all.push(...page.items);
          startKey = page.lastKey;
        } while (startKey);
      }
      const messages: DigestMessage[] = [];
      const periods: Record<string, number> = {};
      for (const funder of all) {
        if (funder.kind === 'operator') continue;
        for (const member of await members.list(funder.id)) {
          const prefs = preferencesOf(member);
          if (prefs.frequency === 'off' || member.role === 'operator') continue;
          const period = periodOf(prefs.frequency, at);
          messages.push({ funderId: funder.id, memberId: member.id, period });
          periods[period] = (periods[period] ?? 0) + 1;
        }
      }
      await deps.transport().queue.enqueue(messages);
      if (ctx) {
        await audit.record(ctx, {
          action: 'digest.run',
          resource: scope ? `funder:${scope}` : 'digests',
          outcome: 'allowed',
        });
      }
      logger.info('digest run queued', { at: at.toISOString(), queued: messages.length, periods });
      return { at: at.toISOString(), queued: messages.length, periods };
    },

    /**
     * Delivers one member's digest for one period, or does nothing if it is done or being done elsewhere.
     * Throws when the send failed, after recording it (retrying, or failed on the last attempt).
     */
    async deliver(
      message: DigestMessage,
      attempt: { receiveCount: number },
    ): Promise<'sent' | 'empty' | 'skipped'> {
      const started = now();
      const token = randomUUID();
      const { leaseSeconds, maxAttempts } = deps.settings();
      const claimed = await repo.claim(
        message,
        token,
        started.toISOString(),
        new Date(started.getTime() + leaseSeconds * 1000).toISOString(),
      );
      if (!claimed) return 'skipped';
      try {
        const found = await loadMember(message.funderId, message.memberId);
        const state = await ensureState(message.funderId, message.memberId);
        if (!found || preferencesOf(found.member).frequency === 'off') {
          // Removed or unsubscribed since the run was queued: nothing goes out, and the state stays.
          const at = now().toISOString();
          await repo.complete(
            message,
            token,
            {
              status: 'empty',
              at,
              windowFrom: at,
              windowTo: at,
              counts: { grants: 0, opportunities: 0, pledges: 0, duplicates: 0, gapChanges: 0 },
            },
            state,
            state.lastWindowTo,
          );
          return 'empty';
        }
        const { funder, member } = found;
        const principal = await principalOf(funder, member);
        const window = windowOf(state, preferencesOf(member), started, message.period);
        const { content, next } = await build(funder, member, principal, state, window);
        const counts = digestCounts(content);
        const at = now().toISOString();
        if (isEmptyDigest(content)) {
          await repo.complete(
            message,
            token,
            { status: 'empty', at, windowFrom: window.from, windowTo: window.to, counts },
            next,
            state.lastWindowTo,
          );
          return 'empty';
        }
        const link = unsubscribeUrl(state);
        const rendered = renderDigest(content, { unsubscribeUrl: link });
        const reference = `${message.period}--${message.funderId}--${message.memberId}`;
        const { messageId } = await deps.transport().mailer.send({
          to: member.email,
          ...rendered,
          reference,
          unsubscribeUrl: link,
        });
        const sentAt = now();
        const outcome = {
          status: 'sent' as const,
          at: sentAt.toISOString(),
          windowFrom: window.from,
          windowTo: window.to,
          counts,
          messageId,
        };
        // One event, written with the outcome: a send is never recorded without its audit event.
        const event = newAuditEvent(
          { principal, requestId: reference },
          { action: 'digest.send', resource: `member:${member.id}`, outcome: 'allowed' },
          principal.funderId,
          sentAt,
        );
        try {
          await repo.complete(message, token, outcome, next, state.lastWindowTo, event);
        } catch (error) {
          // The message is out: whatever happens now, it must not go out again for this period. Record the
          // delivery alone, then the same audit event (a second write of it is the same item); the member's
          // state stays behind, so the next digest repeats this one's news rather than this period getting a
          // second message.
          logger.error('digest sent but its state was not recorded', { ...message, error });
          await untilRecorded(() => repo.markSent(message, token, outcome));
          await untilRecorded(() => audit.write(event));
        }
        return 'sent';
      } catch (error) {
        const final = attempt.receiveCount >= maxAttempts;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await untilRecorded(() =>
          repo.release(message, token, final ? 'failed' : 'retrying', reason, now().toISOString()),
        ).catch((releaseError: unknown) => logger.error('digest release failed', { error: releaseError }));
        logger.warn('digest delivery failed', { ...message, attempt: attempt.receiveCount, final, reason });
        throw error;
      }
    },

    /** What the caller's next digest would say now; changes nothing. */
    async preview(ctx: AuditContext) {
      const found = await loadMember(ctx.principal.funderId, ctx.principal.memberId);
      if (!found) throw new NotFoundError(`member ${ctx.principal.memberId}`);
      const prefs = preferencesOf(found.member);
      const state = (await repo.getState(ctx.principal.funderId, ctx.principal.memberId)) ?? {
        funderId: ctx.principal.funderId,
        memberId: ctx.principal.memberId,
        linkSecret: '0'.repeat(64),
        dependent: [],
        exiting: [],
      };
      const at = now();
      const period = periodOf(prefs.frequency === 'off' ? 'weekly' : prefs.frequency, at);
      const { content } = await build(
        found.funder,
        found.member,
        ctx.principal,
        state,
        windowOf(state, prefs, at, period),
      );
      const rendered = renderDigest(content, {
        unsubscribeUrl: `${deps.settings().publicUrl}/v1/digests/unsubscribe?token=preview`,
      });
      return { content, empty: isEmptyDigest(content), ...rendered };
    },

    /** Your deliveries; an admin may name another member of their own funder, or omit it for all of them. */
    async list(ctx: AuditContext, raw: unknown) {
      const query = parseOrThrow(ListDigestsQuerySchema, raw, 'query');
      const { principal } = ctx;
      const target = query.member ?? (hasRole(principal, 'admin') ? null : principal.memberId);
      if (target !== principal.memberId && !hasRole(principal, 'admin')) {
        throw new ForbiddenError('Only admins may read other members\u2019 digests.', {
          action: 'digest.list',
          resource: `member:${target}`,
          reason: 'not admin',
        });
      }
      const cursor = onePartitionCursor(
        cursorOwner(principal),
        `digests:${target ?? '*'}`,
        query.cursor,
        target
          ? { PK: digestPartition(principal.funderId, target) }
          : { GSI1PK: funderDigestsPartition(principal.funderId) },
      );
      const page = target
        ? await repo.listForMember(principal.funderId, target, query.limit, cursor.startKey)
        : await repo.listForFunder(principal.funderId, query.limit, cursor.startKey);
      return { items: page.items.map(toView), nextCursor: cursor.next(page.lastKey) };
    },

    async preferences(ctx: AuditContext): Promise<DigestPreferences> {
      const member = await tenancy.getOwnMember(ctx.principal);
      return preferencesOf(member);
    },

    async updatePreferences(ctx: AuditContext, body: unknown): Promise<DigestPreferences> {
      const changes = parseOrThrow(UpdateDigestPreferencesRequestSchema, body, 'body');
      const member = await tenancy.getOwnMember(ctx.principal);
      const next = { ...preferencesOf(member), ...changes };
      const updated = await members.updateDigestPreferences(
        ctx.principal.funderId,
        ctx.principal.memberId,
        next,
        now().toISOString(),
      );
      await audit.record(ctx, {
        action: 'digest.preferences',
        resource: `member:${ctx.principal.memberId}`,
        outcome: 'allowed',
      });
      return preferencesOf(updated);
    },

    /** The signed link from an email: turns the member's digest off. The token names and proves the member. */
    async unsubscribe(token: string, source?: string): Promise<{ funderId: string; memberId: string }> {
      const { funderId, memberId, member, alreadyOff } = await checkUnsubscribe(token, source);
      // Off already (the same link clicked twice, or turned off elsewhere): nothing to change or record.
      if (alreadyOff) return { funderId, memberId };
      await members.updateDigestPreferences(
        funderId,
        memberId,
        { ...preferencesOf(member), frequency: 'off' },
        now().toISOString(),
      );
      await audit.record(
        {
          principal: { funderId, memberId, keyId: 'unsubscribe-link', role: member.role, collaboratives: [] },
          requestId: `unsubscribe-${randomUUID()}`,
        },
        { action: 'digest.unsubscribe', resource: `member:${memberId}`, outcome: 'allowed' },
      );
      return { funderId, memberId };
    },

    checkUnsubscribe,

    /** For tests and the console: the member's current signed unsubscribe link. */
    async unsubscribeLink(funderId: string, memberId: string): Promise<string> {
      return unsubscribeUrl(await ensureState(funderId, memberId));
    },
  };
}
export type DigestService = ReturnType<typeof createDigestService>;
