// Incremental organisation resolution: a written grant's recipient mentions are compared only with the members
// of their blocks, linked to an organisation (or given a new one), and doubtful pairs go to the review queue.
// Human decisions stored beside a mention always win over scores, and a later automatic run never undoes them.
import { createHash, randomUUID } from 'node:crypto';
import type { StoredGrant } from '../../schemas/grant.ts';
import type {
  Link,
  MoneyLink,
  StoredDecision,
  StoredMention,
  StoredOrganisation,
  StoredPair,
} from '../../schemas/organisation.ts';
import { canRead } from '../access/policy.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { mentionId as mentionIdOf } from '../db/keys.ts';
import { type FunderRelations, type MoneyMatch, moneyMatch } from './grant-links.ts';
import { conflictingRegistrations, type OrgIdentifier } from './identifiers.ts';
import { blockingKeys, type Mention, queryKeys, toMention } from './mention.ts';
import { audienceOf, granteeKeysOf, membersOf, viewIdOf } from './org-view.ts';
import commonNameTokens from './reference/common-name-tokens.json' with { type: 'json' };
import type { CapacityMeter, MentionWrite, ResolutionRepository } from './resolution-repository.ts';
import { DEFAULT_MATCHING_CONFIG, type MatchingConfig, type ScoredPair, scorePair } from './scoring.ts';

/** Block members read per block; an over-full block (a very common token) says little beyond its first members. */
export const DEFAULT_BLOCK_CAP = 200;
/** Review pairs opened per mention: the best candidate of each of the closest other organisations. */
const MAX_PAIRS_PER_MENTION = 3;
const MAX_RACE_RETRIES = 6;
/** How long a claim on a new organisation's keys holds: far longer than any resolution, short enough to expire. */
const CLAIM_SECONDS = 300;
const MAX_BLOCK_KEY_LENGTH = 200;
/** Records of one organisation compared for grant-level duplicates (a very large organisation: its latest). */
const MAX_ORGANISATION_SCAN = 500;

export type MentionOutcome = 'created' | 'relinked' | 'updated' | 'unchanged' | 'removed' | 'stale';

export interface MentionResult {
  mentionId: string;
  outcome: MentionOutcome;
  orgId: string | null;
  link: Link['method'] | null;
  /** Review pairs this mention has in the queue (opened now, or by an earlier attempt of the same write). */
  pairsOpened: number;
}

/**
 * The recipient as written (name, identifiers, country, postcode, web domain), hashed: what a person's decision
 * about a mention holds for. Derived features (normalised names, levels) may change with the matcher; this does not.
 */
export function featuresHash(features: Mention): string {
  const written = {
    name: features.name,
    identifiers: features.identifiers.map((i) => i.canonical).sort(),
    country: features.country,
    postcode: features.postcode,
    domain: features.domain,
  };
  return createHash('sha256').update(JSON.stringify(written)).digest('base64url').slice(0, 22);
}

/**
 * A new record's grantee key as it joins: its link's, when it links to a record of the same audience (joining never
 * moves a part's anchor, its oldest record), else its own. Settling the organisation afterwards corrects the rest.
 */
function granteeKeyJoining(
  id: string,
  link: Link,
  others: Map<string, StoredMention>,
  orgId: string,
  sameGroup: (other: StoredMention) => boolean,
  own = false,
): string {
  const other = link.withMentionId ? others.get(link.withMentionId) : undefined;
  const key = own ? other?.ownKey : other?.granteeKey;
  return other && other.orgId === orgId && sameGroup(other)
    ? (key ?? viewIdOf(other.mentionId))
    : viewIdOf(id);
}

export function pairIdOf(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return createHash('sha256').update(`${x}|${y}`).digest('hex').slice(0, 24);
}

const COMMON_TOKENS: ReadonlySet<string> = new Set(commonNameTokens);

/**
 * Token blocks use the two longest uncommon tokens: the choice depends only on the name, so the same name
 * always lands in the same blocks, and tokens most names share ("trust", "community") make no block at all.
 */
export function mentionBlockKeys(features: Mention): string[] {
  return blockingKeys(features, (t) => (COMMON_TOKENS.has(t) ? 1000 : 0) - t.length)
    .filter((k) => !(k.startsWith('tok:') && COMMON_TOKENS.has(k.slice(4))))
    .map((k) => k.slice(0, MAX_BLOCK_KEY_LENGTH));
}

/** Whether these identifiers clash with the organisation's registrations, other than through its crosswalks. */
export function registrationsConflict(identifiers: OrgIdentifier[], org: StoredOrganisation): boolean {
  const allowed = new Set(org.crosswalks);
  return conflictingRegistrations(identifiers, registrationIdentifiers(org)).some((k) => !allowed.has(k));
}

/** An organisation's registrations as identifiers. */
export function registrationIdentifiers(org: StoredOrganisation): OrgIdentifier[] {
  return org.registrations.map((r) => ({
    scheme: r.scheme,
    id: r.id,
    canonical: r.canonical,
    registered: true,
  }));
}

/** The organisation after a mention with these identifiers joins (+1) or leaves (-1). */
export function withMention(
  org: StoredOrganisation,
  identifiers: OrgIdentifier[],
  delta: 1 | -1,
): StoredOrganisation {
  const registrations = new Map(org.registrations.map((r) => [r.canonical, { ...r }]));
  for (const id of identifiers) {
    if (!id.registered) continue;
    const entry = registrations.get(id.canonical);
    const count = (entry?.count ?? 0) + delta;
    if (count > 0)
      registrations.set(id.canonical, { scheme: id.scheme, id: id.id, canonical: id.canonical, count });
    else registrations.delete(id.canonical);
  }
  return {
    ...org,
    registrations: [...registrations.values()].sort((x, y) => x.canonical.localeCompare(y.canonical)),
    mentionCount: Math.max(0, org.mentionCount + delta),
    revision: org.revision + 1,
  };
}

function emptyOrganisation(orgId: string, at: string): StoredOrganisation {
  return { orgId, registrations: [], mentionCount: 0, crosswalks: [], revision: 0, createdAt: at };
}

interface Candidate {
  mentionId: string;
  scored: ScoredPair;
}

export interface ResolverDeps {
  repo: ResolutionRepository;
  /** Collaborative ties, for linking a member's contribution to its pooled fund's grant. */
  relations?: FunderRelations;
  config?: MatchingConfig;
  blockCap?: number;
  now?: () => Date;
}

export function createResolver(deps: ResolverDeps) {
  const { repo } = deps;
  const config = deps.config ?? DEFAULT_MATCHING_CONFIG;
  const blockCap = deps.blockCap ?? DEFAULT_BLOCK_CAP;
  const now = deps.now ?? (() => new Date());
  const relations: FunderRelations = deps.relations ?? {
    pooledFundOf: async () => null,
    isMember: async () => false,
    collaborativesOf: async () => [],
  };

  /** Organisation changes when `mention` moves from `previous`'s organisation (if any) to `targetOrg`. */
  async function organisationChanges(
    previous: StoredMention | null,
    next: StoredMention | null,
    target: StoredOrganisation | null,
    meter?: CapacityMeter,
  ): Promise<MentionWrite['organisations']> {
    const changes: MentionWrite['organisations'] = [];
    const at = now().toISOString();
    if (previous && next && previous.orgId === next.orgId) {
      const current =
        target ??
        (await repo.getOrganisation(previous.orgId, meter)) ??
        emptyOrganisation(previous.orgId, at);
      const left = withMention(current, previous.features.identifiers, -1);
      const back = withMention(left, next.features.identifiers, 1);
      changes.push({
        next: { ...back, revision: current.revision + 1 },
        previous: current.revision === 0 ? null : current,
      });
      return changes;
    }
    if (previous) {
      const old = await repo.getOrganisation(previous.orgId, meter);
      if (old) changes.push({ next: withMention(old, previous.features.identifiers, -1), previous: old });
    }
    if (next) {
      const base = target ?? emptyOrganisation(next.orgId, at);
      changes.push({
        next: withMention(base, next.features.identifiers, 1),
        previous: base.revision === 0 ? null : base,
      });
    }
    return changes;
  }

  async function removeMention(previous: StoredMention, meter?: CapacityMeter): Promise<MentionResult> {
    await repo.writeMention(
      { next: null, previous, organisations: await organisationChanges(previous, null, null, meter) },
      meter,
    );
    await settleAfter(previous, null, meter);
    return { mentionId: previous.mentionId, outcome: 'removed', orgId: null, link: null, pairsOpened: 0 };
  }

  async function candidatesOf(
    id: string,
    grantPrefix: string,
    features: Mention,
    meter?: CapacityMeter,
    consistent = false,
  ) {
    const members = new Map<string, Mention>();
    for (const key of queryKeys(mentionBlockKeys(features))) {
      for (const member of await repo.readBlock(key, blockCap, meter, consistent)) {
        if (member.mentionId === id || member.mentionId.startsWith(grantPrefix)) continue;
        members.set(member.mentionId, member.features);
      }
    }
    const scored: Candidate[] = [];
    for (const [mentionId, theirs] of members) {
      scored.push({ mentionId, scored: scorePair(features, theirs, config) });
    }
    return scored.sort((x, y) => y.scored.score - x.scored.score || x.mentionId.localeCompare(y.mentionId));
  }

  /**
   * Settles one organisation after a write: grant-level de-duplication (this record either counts within an
   * older one, a re-upload or a member's contribution to its pooled fund's grant, or an older member's
   * contribution now counts within this pooled-fund grant) and every record's grantee key for the gap figures
   * (org-view.ts). Reads the organisation's mentions only; writes only what changed. `mention` (the record just
   * written, or null after a removal or a move out) is the newest state of that record.
   */
  async function settle(orgId: string, mention: StoredMention | null, meter?: CapacityMeter): Promise<void> {
    const listed = await repo.listOrganisationMentions(orgId, MAX_ORGANISATION_SCAN, meter);
    const members = membersOf(orgId, listed, mention ? [mention] : []);
    const records = new Map(members.map((m) => [m.mentionId, m]));
    type Change = Partial<Pick<StoredMention, 'moneyLink' | 'granteeKey' | 'ownKey'>>;
    const changes = new Map<string, Change>();
    const change = (id: string, values: Change) => changes.set(id, { ...changes.get(id), ...values });
    if (mention) {
      const others = members.filter(
        (m) => !(m.funderId === mention.funderId && m.grantId === mention.grantId),
      );
      let desired: MoneyLink | null = null;
      for (const other of others) {
        const match = await moneyMatch(mention, other, relations);
        if (!match) continue;
        if (match.secondary.mentionId === mention.mentionId) {
          // Point at the record whose money counts, one step down a chain, never at ourselves.
          const target = other.moneyLink?.toMentionId ?? other.mentionId;
          if (!desired && target !== mention.mentionId) desired = moneyLinkOf(match, target);
        } else if (!other.moneyLink) {
          change(other.mentionId, { moneyLink: moneyLinkOf(match, mention.mentionId) });
        }
      }
      if ((desired?.toMentionId ?? null) !== (mention.moneyLink?.toMentionId ?? null)) {
        change(mention.mentionId, { moneyLink: desired });
      }
    }
    const keys = granteeKeysOf(members, directMatch);
    const ownKeys = granteeKeysOf(members, directMatch, (m) => m.funderId);
    for (const m of members) {
      // Later recipients of the same grant are resolved next in this run, and settle then.
      const later =
        mention &&
        m.funderId === mention.funderId &&
        m.grantId === mention.grantId &&
        m.index > mention.index;
      if (later) continue;
      const key = keys.get(m.mentionId);
      const own = ownKeys.get(m.mentionId);
      if (key && key !== m.granteeKey) change(m.mentionId, { granteeKey: key });
      if (own && own !== m.ownKey) change(m.mentionId, { ownKey: own });
    }
    // The record in hand first: if it changed meanwhile, the whole resolution is redone from a fresh read.
    const order = [...changes.keys()].sort((a, b) =>
      a === mention?.mentionId ? -1 : b === mention?.mentionId ? 1 : a.localeCompare(b),
    );
    for (const id of order) {
      const current = records.get(id);
      if (!current) continue;
      try {
        await repo.writeMention(
          {
            next: { ...current, ...changes.get(id), revision: current.revision + 1 },
            previous: current,
            organisations: [],
          },
          meter,
        );
      } catch (error) {
        // Another record changed meanwhile; its own resolution settles the organisation when it is processed.
        if (!(error instanceof ConditionFailedError) || id === mention?.mentionId) throw error;
      }
    }
  }

  /** Settles the record's organisation, and the one it left. */
  async function settleAfter(
    previous: StoredMention | null,
    next: StoredMention | null,
    meter?: CapacityMeter,
  ) {
    if (previous && previous.orgId !== next?.orgId) await settle(previous.orgId, null, meter);
    if (next) await settle(next.orgId, next, meter);
  }

  const directMatch = (a: Mention, b: Mention) => scorePair(a, b, config).band === 'link';

  function moneyLinkOf(match: MoneyMatch, toMentionId: string): MoneyLink {
    return {
      kind: match.kind,
      toMentionId,
      evidence: match.evidence,
      decidedBy: 'resolver',
      decidedAt: now().toISOString(),
    };
  }

  /**
   * Full resolution of one mention. A mention placed by a person's decision stays where it was put while its
   * recipient is written the same way.
   */
  async function resolveMention(
    grant: StoredGrant,
    index: number,
    previous: StoredMention | null,
    decisions: StoredDecision[],
    options: { force?: boolean; meter?: CapacityMeter; retry?: boolean },
  ): Promise<MentionResult> {
    const record = grant.record;
    const organisation = record?.recipientOrganization?.[index];
    if (!record || !organisation) throw new Error('resolveMention needs a recipient');
    const meter = options.meter;
    const id = mentionIdOf(grant.funderId, grant.grantId, index);
    const features = toMention(organisation);
    // A mention stored by an earlier matcher carries that matcher's hash: while the recipient is written the same
    // way it keeps it, so decisions people made about it still hold.
    const written = featuresHash(features);
    const sameRecipient =
      previous !== null && (previous.featuresHash === written || featuresHash(previous.features) === written);
    const hash = sameRecipient ? previous.featuresHash : written;
    const attributes = {
      mentionId: id,
      funderId: grant.funderId,
      grantId: grant.grantId,
      index,
      grantVersion: grant.version,
      grantCreatedAt: grant.createdAt,
      // The upload the grant id first came in: a later file repeating it does not make it a copy of its twin.
      ...((grant.firstUploadId ?? grant.uploadId) ? { uploadId: grant.firstUploadId ?? grant.uploadId } : {}),
      visibility: record.visibility,
      amount: record.amountAwarded,
      currency: record.currency,
      awardDate: record.awardDate.slice(0, 10),
      title: record.title,
      regrantType: record.regrantType ?? null,
      // The gap rollups read a mention's taxonomy (shared/gaps), so a re-classified grant updates its mention.
      themes: [...record.themes].sort(),
      regions: [...record.regions].sort(),
    };

    if (previous && previous.grantVersion > grant.version) {
      return {
        mentionId: id,
        outcome: 'stale',
        orgId: previous.orgId,
        link: previous.link.method,
        pairsOpened: 0,
      };
    }
    if (sameRecipient && (!options.force || previous.link.method === 'decision')) {
      // Features derived by an earlier matcher are brought up to date (and re-filed) without moving the mention.
      const upgraded = JSON.stringify(previous.features) !== JSON.stringify(features);
      const changed =
        upgraded ||
        (Object.keys(attributes) as Array<keyof typeof attributes>).some(
          (k) => JSON.stringify(previous[k]) !== JSON.stringify(attributes[k]),
        );
      if (!changed) {
        // A re-delivered record whose first run failed after the mention was written: finish settling.
        await settle(previous.orgId, previous, meter);
        return {
          mentionId: id,
          outcome: 'unchanged',
          orgId: previous.orgId,
          link: previous.link.method,
          pairsOpened: 0,
        };
      }
      const updated = {
        ...previous,
        ...attributes,
        features,
        blockKeys: mentionBlockKeys(features),
        revision: previous.revision + 1,
      };
      await repo.writeMention({ next: updated, previous, organisations: [] }, meter);
      // A changed amount, date or title can make or break a re-upload or contribution link, and a changed
      // visibility moves the record to another audience's grantee.
      await settle(updated.orgId, updated, meter);
      return {
        mentionId: id,
        outcome: 'updated',
        orgId: previous.orgId,
        link: previous.link.method,
        pairsOpened: 0,
      };
    }

    // Decisions were made about the recipient as it was written then; a corrected recipient starts afresh.
    const valid = decisions.filter((d) => d.mentionId === id && d.featuresHash === hash);
    const sameAs = valid.filter((d) => d.decision === 'same');
    const differentFrom = new Set(
      valid.filter((d) => d.decision === 'different').map((d) => d.otherMentionId),
    );
    // A retry after a lost race reads the blocks consistently, to see what the winner just wrote.
    const candidates = await candidatesOf(
      id,
      `${grant.funderId}#${grant.grantId}#`,
      features,
      meter,
      options.retry === true,
    );
    // Strong names with different numbers in one scheme: perhaps a re-registered charity (a successor).
    const possibleSuccessor = (c: Candidate) =>
      c.scored.rule === 'conflicting-registration' && c.scored.score >= config.autoLink;
    const relevant = candidates.filter(
      (c) => (c.scored.band !== 'no-link' || possibleSuccessor(c)) && !differentFrom.has(c.mentionId),
    );
    const others = await repo.getMentions(
      [...relevant.map((c) => c.mentionId), ...sameAs.map((d) => d.otherMentionId), ...differentFrom],
      meter,
    );
    const excludedOrgs = new Set(
      [...differentFrom].map((m) => others.get(m)?.orgId).filter((o): o is string => o !== undefined),
    );
    const at = now().toISOString();

    let target: StoredOrganisation | null = null;
    let link: Link | null = null;
    for (const decision of sameAs) {
      const other = others.get(decision.otherMentionId);
      if (!other || excludedOrgs.has(other.orgId)) continue;
      target = await repo.getOrganisation(other.orgId, meter);
      if (!target) continue;
      link = {
        method: 'decision',
        score: null,
        evidence: [],
        withMentionId: other.mentionId,
        configVersion: config.version,
        decidedBy: decision.decidedBy,
        decidedAt: decision.decidedAt,
      };
      break;
    }
    // One name, several registrations: organisations holding different numbers in one scheme that an id-less
    // mention would link to alike are homonyms ("Migrant Voice" under two charity numbers). Which one it is, a
    // person decides: the mention starts on its own and the candidates go to review.
    const homonyms =
      !link && !features.identifiers.some((i) => i.registered)
        ? await homonymsAmong(relevant, others, excludedOrgs, meter)
        : false;
    if (!link && !homonyms) {
      const triedOrgs = new Set<string>();
      for (const candidate of relevant) {
        // A possible successor links only into an organisation whose crosswalks already cover the numbers.
        if (candidate.scored.band !== 'link' && !possibleSuccessor(candidate)) continue;
        const other = others.get(candidate.mentionId);
        if (!other || excludedOrgs.has(other.orgId) || triedOrgs.has(other.orgId)) continue;
        triedOrgs.add(other.orgId);
        const org = await repo.getOrganisation(other.orgId, meter);
        // Another mention of that organisation holds a different number in one of our schemes.
        if (!org || registrationsConflict(features.identifiers, org)) continue;
        target = org;
        link = {
          method: 'auto',
          score: candidate.scored.score,
          evidence: candidate.scored.evidence,
          withMentionId: other.mentionId,
          configVersion: config.version,
          decidedBy: 'resolver',
          decidedAt: at,
        };
        break;
      }
    }
    if (!target && previous) {
      // Nothing better found: the same recipient stays where it was (a re-run must not scatter organisations),
      // and a corrected recipient keeps its organisation only if nobody else joined it.
      const current = await repo.getOrganisation(previous.orgId, meter);
      if (current && (sameRecipient || current.mentionCount <= 1)) target = current;
    }
    const best = relevant[0];
    const orgId = target?.orgId ?? `org_${randomUUID()}`;
    if (!link && sameRecipient && previous && target?.orgId === previous.orgId) link = previous.link;
    link ??= {
      method: 'new',
      score: best?.scored.score ?? null,
      evidence: best?.scored.evidence ?? [],
      withMentionId: null,
      configVersion: config.version,
      decidedBy: 'resolver',
      decidedAt: at,
    };
    const next: StoredMention = {
      ...attributes,
      features,
      featuresHash: hash,
      blockKeys: mentionBlockKeys(features),
      orgId,
      link,
      moneyLink: null,
      granteeKey: granteeKeyJoining(id, link, others, orgId, (m) => audienceOf(m) === audienceOf(attributes)),
      ownKey: granteeKeyJoining(id, link, others, orgId, (m) => m.funderId === attributes.funderId, true),
      revision: (previous?.revision ?? 0) + 1,
    };
    // Doubtful candidates in other organisations go to review: the best of each, a few organisations at most.
    // Pairs are written before the mention: if anything after fails, the re-delivered record finds the mention
    // unchanged and would not open them again (creating an existing pair is a no-op).
    let pairsOpened = 0;
    const seenOrgs = new Set([orgId, ...excludedOrgs]);
    const decidedWith = new Set(valid.map((d) => d.otherMentionId));
    for (const candidate of relevant) {
      if (pairsOpened >= MAX_PAIRS_PER_MENTION) break;
      const other = others.get(candidate.mentionId);
      if (!other || seenOrgs.has(other.orgId) || decidedWith.has(other.mentionId)) continue;
      seenOrgs.add(other.orgId);
      const pair: StoredPair = {
        pairId: pairIdOf(other.mentionId, id),
        kind: possibleSuccessor(candidate) ? 'possible-successor' : 'duplicate',
        a: sideOf(other),
        b: sideOf(next),
        score: candidate.scored.score,
        evidence: candidate.scored.evidence,
        configVersion: config.version,
        moneyAffected: other.amount + next.amount,
        status: 'open',
        createdAt: at,
      };
      // Queued only for a funder that may see the other side: a queue must not hint at a hidden record.
      const queueFor: string[] = [];
      for (const [mine, theirs] of [
        [other, next],
        [next, other],
      ] as const) {
        if (await funderMaySee(mine.funderId, theirs.funderId, theirs.visibility))
          queueFor.push(mine.funderId);
      }
      if (queueFor.length === 0) continue;
      // Created now or by an earlier attempt that lost its write: either way the pair is in the queue.
      await repo.createPair(pair, queueFor, meter);
      pairsOpened += 1;
    }
    // Starting an organisation claims its strongest keys (registrations, name fingerprints) for a short while:
    // a concurrent resolution of the same organisation then loses its write, retries, and links instead. A
    // retry starts without claims, so a record that must stay apart (a conflicting number) is never blocked.
    const startsNew = link.method === 'new' && target === null && !options.retry;
    const strongKeys = next.blockKeys.filter((k) => k.startsWith('id:') || k.startsWith('fp:'));
    await repo.writeMention(
      {
        next,
        previous,
        organisations: await organisationChanges(previous, next, target, meter),
        ...(startsNew && strongKeys.length > 0
          ? {
              claims: {
                keys: strongKeys,
                orgId,
                now: Math.floor(Date.parse(at) / 1000),
                expiresAt: Math.floor(Date.parse(at) / 1000) + CLAIM_SECONDS,
              },
            }
          : {}),
      },
      meter,
    );
    await settleAfter(previous, next, meter);
    return {
      mentionId: id,
      outcome: previous ? 'relinked' : 'created',
      orgId,
      link: link.method,
      pairsOpened,
    };
  }

  /** Whether automatic candidates lie in two or more organisations whose registrations conflict (homonyms). */
  async function homonymsAmong(
    candidates: Candidate[],
    others: Map<string, StoredMention>,
    excluded: Set<string>,
    meter?: CapacityMeter,
  ): Promise<boolean> {
    const orgIds = [
      ...new Set(
        candidates
          .filter((c) => c.scored.band === 'link')
          .map((c) => others.get(c.mentionId)?.orgId)
          .filter((o): o is string => o !== undefined && !excluded.has(o)),
      ),
    ].slice(0, MAX_PAIRS_PER_MENTION);
    if (orgIds.length < 2) return false;
    const orgs = (await Promise.all(orgIds.map((o) => repo.getOrganisation(o, meter)))).filter(
      (o): o is StoredOrganisation => o !== null,
    );
    return orgs.some((x, i) =>
      orgs.slice(i + 1).some((y) => registrationsConflict(registrationIdentifiers(x), y)),
    );
  }

  /** canRead for a funder rather than a principal, with the collaboratives its principal would carry. */
  async function funderMaySee(funderId: string, owner: string, visibility: string): Promise<boolean> {
    return canRead(
      { funderId, collaboratives: await relations.collaborativesOf(funderId) },
      owner,
      visibility,
    );
  }

  async function withRetries<T>(work: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work(attempt);
      } catch (error) {
        // Someone changed the mention or an organisation since we read it: read again and redo.
        if (!(error instanceof ConditionFailedError) || attempt >= MAX_RACE_RETRIES) throw error;
      }
    }
  }

  return {
    config,
    /** Two recipients as written that link on their own, whatever else the hub holds. */
    directMatch,

    /**
     * Resolves every recipient mention of a grant as it now stands (deleted grants and removed recipients lose
     * their mentions). Idempotent: an unchanged recipient costs two queries (its grant's mentions, its organisation's
     * records) and no write. `force` re-scores links the resolver
     * made itself; decisions people made are kept either way.
     */
    async resolveGrant(
      grant: StoredGrant,
      options: { force?: boolean; meter?: CapacityMeter } = {},
    ): Promise<MentionResult[]> {
      const recipients = grant.deleted ? [] : (grant.record?.recipientOrganization ?? []);
      const read = () => repo.readGrant(grant.funderId, grant.grantId, options.meter);
      // One query serves every recipient; it is repeated only when a conditional write lost a race.
      let snapshot = await read();
      const results: MentionResult[] = [];
      const retrying = async (work: (retry: boolean) => Promise<MentionResult | null>) => {
        const result = await withRetries(async (attempt) => {
          if (attempt > 0) snapshot = await read();
          return work(attempt > 0);
        });
        if (result) results.push(result);
      };
      for (let index = 0; index < recipients.length; index++) {
        await retrying((retry) =>
          resolveMention(
            grant,
            index,
            snapshot.mentions.find((m) => m.index === index) ?? null,
            snapshot.decisions,
            { ...options, retry },
          ),
        );
      }
      const removed = snapshot.mentions.filter((m) => m.index >= recipients.length).map((m) => m.index);
      for (const index of removed) {
        await retrying(async () => {
          const previous = snapshot.mentions.find((m) => m.index === index);
          if (!previous || previous.grantVersion > grant.version) return null;
          return removeMention(previous, options.meter);
        });
      }
      return results;
    },

    /**
     * Moves one mention to another organisation (or to a new one of its own) because a person decided so;
     * a later automatic run keeps it there while the recipient stays as written.
     */
    async relocate(
      id: string,
      destination: { orgId: string } | 'own',
      link: Link,
      meter?: CapacityMeter,
    ): Promise<StoredMention | null> {
      return withRetries(async () => {
        const [previous] = [...(await repo.getMentions([id], meter)).values()];
        if (!previous) return null;
        const target = destination === 'own' ? null : await repo.getOrganisation(destination.orgId, meter);
        if (destination !== 'own' && !target) return null;
        const orgId = target?.orgId ?? `org_${randomUUID()}`;
        const next: StoredMention = {
          ...previous,
          orgId,
          link,
          granteeKey: viewIdOf(previous.mentionId),
          ownKey: viewIdOf(previous.mentionId),
          revision: previous.revision + 1,
        };
        if (previous.orgId === orgId) return previous;
        await repo.writeMention(
          { next, previous, organisations: await organisationChanges(previous, next, target, meter) },
          meter,
        );
        await settleAfter(previous, next, meter);
        return (await repo.getMentions([id], meter)).get(id) ?? next;
      });
    },
  };
}
export type Resolver = ReturnType<typeof createResolver>;

function sideOf(m: StoredMention) {
  return {
    mentionId: m.mentionId,
    funderId: m.funderId,
    grantId: m.grantId,
    index: m.index,
    name: m.features.name,
    amount: m.amount,
    currency: m.currency,
  };
}
