// Every key the hub writes or queries is built here, so access patterns can be read in one place.
// Ids are slugs (no '#'); grant ids may contain '#'-free publisher text and always come last.

export const INDEX = { GSI1: 'GSI1', GSI2: 'GSI2', GSI3: 'GSI3' } as const;

export interface ItemKey {
  PK: string;
  SK: string;
}

export const funderKey = (funderId: string): ItemKey => ({ PK: `FUNDER#${funderId}`, SK: 'PROFILE' });
/** Which funder holds a registered identifier (canonical form): one funder per identifier. */
export const funderIdentifierKey = (identifier: string): ItemKey => ({
  PK: `FUNDER#~identifier#${identifier}`,
  SK: 'CLAIM',
});
export const funderIndexKeys = (funderId: string) => ({ GSI1PK: 'FUNDERS', GSI1SK: `FUNDER#${funderId}` });
export const FUNDERS_PARTITION = 'FUNDERS';
export const subFundIndexKeys = (collaborativeId: string, funderId: string) => ({
  GSI2PK: subFundsPartition(collaborativeId),
  GSI2SK: `FUNDER#${funderId}`,
});
export const subFundsPartition = (collaborativeId: string) => `COLLAB#${collaborativeId}#SUBFUNDS`;

export const collaborativeKey = (collaborativeId: string): ItemKey => ({
  PK: `COLLAB#${collaborativeId}`,
  SK: 'PROFILE',
});
export const collaborativeIndexKeys = (collaborativeId: string) => ({
  GSI1PK: 'COLLABS',
  GSI1SK: `COLLAB#${collaborativeId}`,
});
export const COLLABS_PARTITION = 'COLLABS';

export const membershipKey = (collaborativeId: string, funderId: string): ItemKey => ({
  PK: `COLLAB#${collaborativeId}`,
  SK: `MEMBER#${funderId}`,
});
export const membershipIndexKeys = (collaborativeId: string, funderId: string) => ({
  GSI1PK: funderMembershipsPartition(funderId),
  GSI1SK: `COLLAB#${collaborativeId}`,
});
export const funderMembershipsPartition = (funderId: string) => `FUNDER#${funderId}#COLLABS`;
export const MEMBERSHIP_PREFIX = 'MEMBER#';
/** A secretariat's invitation to a funder, until that funder's admin accepts or declines it. */
export const invitationKey = (collaborativeId: string, funderId: string): ItemKey => ({
  PK: `COLLAB#${collaborativeId}`,
  SK: `INVITE#${funderId}`,
});
export const invitationIndexKeys = (collaborativeId: string, funderId: string) => ({
  GSI1PK: funderInvitationsPartition(funderId),
  GSI1SK: `COLLAB#${collaborativeId}`,
});
export const funderInvitationsPartition = (funderId: string) => `FUNDER#${funderId}#INVITES`;

export const memberKey = (funderId: string, memberId: string): ItemKey => ({
  PK: `FUNDER#${funderId}`,
  SK: `MEMBER#${memberId}`,
});
export const MEMBER_PREFIX = 'MEMBER#';
export const funderPartition = (funderId: string) => `FUNDER#${funderId}`;

export const apiKeyKey = (keyId: string): ItemKey => ({ PK: `APIKEY#${keyId}`, SK: 'APIKEY' });
export const apiKeyIndexKeys = (funderId: string, memberId: string, keyId: string) => ({
  GSI1PK: funderKeysPartition(funderId),
  GSI1SK: `MEMBER#${memberId}#KEY#${keyId}`,
});
export const funderKeysPartition = (funderId: string) => `FUNDER#${funderId}#KEYS`;
export const memberKeysPrefix = (memberId: string) => `MEMBER#${memberId}#KEY#`;

const VERSION_WIDTH = 10;
export const grantPartition = (funderId: string, grantId: string) => `GRANT#${funderId}#${grantId}`;
export const grantCurrentKey = (funderId: string, grantId: string): ItemKey => ({
  PK: grantPartition(funderId, grantId),
  SK: 'CURRENT',
});
export const grantVersionKey = (funderId: string, grantId: string, version: number): ItemKey => ({
  PK: grantPartition(funderId, grantId),
  SK: `V#${String(version).padStart(VERSION_WIDTH, '0')}`,
});
export const GRANT_VERSION_PREFIX = 'V#';

/** Award dates sort as YYYY-MM-DD; the grant id breaks ties so every sort key is unique. */
export const grantIndexKeys = (funderId: string, grantId: string, awardDay: string, visibility: string) => ({
  GSI1PK: funderGrantsPartition(funderId),
  GSI1SK: `${awardDay}#${grantId}`,
  GSI2PK: visibilityPartition(visibility),
  GSI2SK: `${funderId}#${awardDay}#${grantId}`,
});
export const funderGrantsPartition = (funderId: string) => `FUNDER#${funderId}#GRANTS`;
/** The grants one upload (an import) wrote, on GSI3: what its processing status reads. */
export const uploadPartition = (funderId: string, uploadId: string) => `UPLOAD#${funderId}#${uploadId}`;
export const uploadIndexKeys = (funderId: string, uploadId: string, grantId: string) => ({
  GSI3PK: uploadPartition(funderId, uploadId),
  GSI3SK: grantId,
});
export const visibilityPartition = (visibility: string) => `VIS#${visibility}`;

export const auditPartition = (funderId: string) => `AUDIT#${funderId}`;
export const auditKey = (funderId: string, at: string, eventId: string): ItemKey => ({
  PK: auditPartition(funderId),
  SK: `${at}#${eventId}`,
});

// --- Organisation resolution (de-duplication) ---
// A mention is one recipient entry of one grant: `${funderId}#${grantId}#${index}` (neither id holds '#').
export const mentionId = (funderId: string, grantId: string, index: number) =>
  `${funderId}#${grantId}#${index}`;
export const mentionPartition = (funderId: string, grantId: string) => `MENTION#${funderId}#${grantId}`;
export const mentionKey = (funderId: string, grantId: string, index: number): ItemKey => ({
  PK: mentionPartition(funderId, grantId),
  SK: `R#${String(index).padStart(2, '0')}`,
});
export const MENTION_RECORD_PREFIX = 'R#';
/** Human decisions about a mention live beside it, so resolving the grant reads them in the same query. */
export const decisionKey = (funderId: string, grantId: string, index: number, otherMentionId: string) => ({
  PK: mentionPartition(funderId, grantId),
  SK: `D#${String(index).padStart(2, '0')}#${otherMentionId}`,
});
export const DECISION_PREFIX = 'D#';
export const mentionOrgIndexKeys = (orgId: string, id: string) => ({
  GSI1PK: orgMentionsPartition(orgId),
  GSI1SK: id,
});
export const orgMentionsPartition = (orgId: string) => `ORG#${orgId}#MENTIONS`;

export const blockPartition = (blockKey: string) => `BLOCK#${blockKey}`;
export const blockMemberKey = (blockKey: string, id: string): ItemKey => ({
  PK: blockPartition(blockKey),
  SK: id,
});

export const organisationKey = (orgId: string): ItemKey => ({ PK: `ORG#${orgId}`, SK: 'PROFILE' });

export const pairKey = (pairId: string): ItemKey => ({ PK: `PAIR#${pairId}`, SK: 'PAIR' });
/** One queue entry per funder owning a side of an open pair; money affected sorts the queue. */
export const pairQueueKey = (pairId: string, funderId: string): ItemKey => ({
  PK: `PAIR#${pairId}`,
  SK: `QUEUE#${funderId}`,
});
export const pairQueueIndexKeys = (funderId: string, money: number, pairId: string) => ({
  GSI1PK: reviewQueuePartition(funderId),
  GSI1SK: `${Math.round(money * 100)
    .toString()
    .padStart(16, '0')}#${pairId}`,
});
export const reviewQueuePartition = (funderId: string) => `FUNDER#${funderId}#REVIEW`;

/** A short-lived claim that a new organisation is being started for this strong block key (see the resolver). */
export const creationClaimKey = (blockKey: string): ItemKey => ({ PK: `CLAIM#${blockKey}`, SK: 'CLAIM' });

// --- Gap rollups (co-investment gaps) ---
/** One partition per award year; a cell per theme x region (both may be the unclassified '-'). */
export const gapYearPartition = (year: number) => `GAP#${year}`;
/** A cell's item; the year's total (theme and region '*', see contribution.ts) sits outside the CELL# range. */
export const gapCellKey = (cell: { year: number; theme: string; region: string }): ItemKey => ({
  PK: gapYearPartition(cell.year),
  SK: cell.theme === '*' && cell.region === '*' ? 'TOTAL' : `CELL#${cell.theme}#${cell.region}`,
});
export const gapCellPrefix = (theme?: string) => (theme ? `CELL#${theme}#` : 'CELL#');
/** A grantee's figures in one cell live apart from the cell, so a heat map never reads per-grantee data. */
export const gapGranteeKey = (
  cell: { year: number; theme: string; region: string },
  orgId: string,
): ItemKey => ({
  PK: gapYearPartition(cell.year),
  SK: `GRANTEE#${cell.theme}#${cell.region}#${orgId}`,
});
export const gapGranteePrefix = (theme?: string) => (theme ? `GRANTEE#${theme}#` : 'GRANTEE#');
/** The award years that have cells, so a query reads only partitions that exist. */
export const gapYearsKey = (): ItemKey => ({ PK: 'GAP#YEARS', SK: 'YEARS' });
/** What one mention currently contributes to the cells (the rollup's idempotency record). */
export const gapStateKey = (mentionId: string): ItemKey => ({ PK: `GAPSTATE#${mentionId}`, SK: 'STATE' });

// --- Failed authentications (shared/auth/auth-failures.ts), one item per scope, value and minute ---
export const authFailureKey = (scope: string, value: string, window: number): ItemKey => ({
  PK: `AUTHFAIL#${scope}#${value}`,
  SK: `W#${window}`,
});

// --- The hub's secret (see shared/secrets/hub-secret.ts) ---
export const hubSecretKey = (): ItemKey => ({ PK: 'HUB#SECRET', SK: 'SECRET' });

// --- Co-funding opportunities ---
/** An ask and its pledges share a partition: one query reads the ask with everything its unmet amount needs. */
export const opportunityPartition = (id: string) => `OPP#${id}`;
export const opportunityKey = (id: string): ItemKey => ({ PK: opportunityPartition(id), SK: 'PROFILE' });
export const pledgeKey = (id: string, funderId: string): ItemKey => ({
  PK: opportunityPartition(id),
  SK: `PLEDGE#${funderId}`,
});
export const PLEDGE_PREFIX = 'PLEDGE#';
export const funderOpportunitiesPartition = (funderId: string) => `FUNDER#${funderId}#OPPS`;
export const opportunityVisibilityPartition = (visibility: string) => `OPPVIS#${visibility}`;
/** Own asks by deadline on GSI1; shared asks by visibility (then funder, deadline) on GSI2, as grants are. */
export const opportunityIndexKeys = (funderId: string, id: string, deadline: string, visibility: string) => ({
  GSI1PK: funderOpportunitiesPartition(funderId),
  GSI1SK: `${deadline}#${id}`,
  ...(visibility === 'private'
    ? {}
    : { GSI2PK: opportunityVisibilityPartition(visibility), GSI2SK: `${funderId}#${deadline}#${id}` }),
});

// --- Change feed and digests ---
/** One feed entry per grant version: the key makes a re-delivered stream record write nothing new. */
export const feedKey = (funderId: string, grantId: string, version: number): ItemKey => ({
  PK: `FEED#${funderId}#${grantId}`,
  SK: `V#${String(version).padStart(VERSION_WIDTH, '0')}`,
});
/** The owner's feed by day on GSI1; shared grants also by visibility and day on GSI2 (never private ones). */
export const feedIndexKeys = (
  funderId: string,
  grantId: string,
  version: number,
  visibility: string,
  recordedAt: string,
) => {
  const day = recordedAt.slice(0, 10);
  const sort = `${recordedAt}#${funderId}#${grantId}#${version}`;
  return {
    GSI1PK: funderFeedPartition(funderId, day),
    GSI1SK: sort,
    ...(visibility === 'private' ? {} : { GSI2PK: sharedFeedPartition(visibility, day), GSI2SK: sort }),
  };
};
export const funderFeedPartition = (funderId: string, day: string) => `FEED#FUNDER#${funderId}#${day}`;
export const sharedFeedPartition = (visibility: string, day: string) => `FEED#VIS#${visibility}#${day}`;

export const digestPartition = (funderId: string, memberId: string) => `DIGEST#${funderId}#${memberId}`;
/** One delivery per member and period; its conditional creation is what makes a digest go out once. */
export const digestKey = (funderId: string, memberId: string, period: string): ItemKey => ({
  PK: digestPartition(funderId, memberId),
  SK: `PERIOD#${period}`,
});
export const DIGEST_PERIOD_PREFIX = 'PERIOD#';
/** A funder's deliveries, newest period first, for its admins. */
export const digestIndexKeys = (funderId: string, memberId: string, period: string, createdAt: string) => ({
  GSI1PK: funderDigestsPartition(funderId),
  GSI1SK: `${createdAt}#${memberId}#${period}`,
});
export const funderDigestsPartition = (funderId: string) => `FUNDER#${funderId}#DIGESTS`;
/** What the member's last digest covered and told; also holds the key of their unsubscribe link. */
export const digestStateKey = (funderId: string, memberId: string): ItemKey => ({
  PK: digestPartition(funderId, memberId),
  SK: 'STATE',
});

// --- Stream records set aside (dead letters) ---
/** One partition for every consumer's dead letters: they are rare, and the operator lists them all. */
export const DEAD_LETTER_PARTITION = 'DEADLETTER';
export const deadLetterKey = (consumer: string, eventId: string): ItemKey => ({
  PK: DEAD_LETTER_PARTITION,
  SK: `${consumer}#${eventId}`,
});
/** A funder's records set aside (GSI1), for its uploads' processing status; present only while set aside. */
export const funderDeadLettersPartition = (funderId: string) => `FUNDER#${funderId}#DEADLETTERS`;
export const deadLetterIndexKeys = (
  funderId: string,
  grantId: string,
  consumer: string,
  eventId: string,
) => ({
  GSI1PK: funderDeadLettersPartition(funderId),
  GSI1SK: `${grantId}#${consumer}#${eventId}`,
});
