// What a caller sees of an organisation: only the part its own readable records tie together. Two records the
// caller may read are one organisation for it only when a chain of links runs between them through records it
// may also read; a tie through a record it may not read would tell it that record exists. The organisation id a
// caller is shown names the oldest record of its part (`org_` + the record's mention id, base64url), so it is the
// same for every caller who sees the same part and never depends on a hidden record.
import type { StoredMention } from '../../schemas/organisation.ts';

const VIEW_PREFIX = 'org_';
/** funderId#grantId#index, as shared/db/keys.ts writes mention ids. */
const MENTION_ID = /^[a-z0-9-]+#[^#]+#\d{1,4}$/;

export function viewIdOf(mentionId: string): string {
  return `${VIEW_PREFIX}${Buffer.from(mentionId, 'utf8').toString('base64url')}`;
}

/** The mention an organisation id names, or null for anything that is not one (an old `org_<uuid>` id too). */
export function mentionIdOfView(viewId: string): string | null {
  if (!viewId.startsWith(VIEW_PREFIX)) return null;
  const encoded = viewId.slice(VIEW_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64url').toString('utf8');
  // Only the canonical encoding names a record: one record, one id.
  if (viewIdOf(decoded) !== viewId || !MENTION_ID.test(decoded)) return null;
  return decoded;
}

type Member = Pick<
  StoredMention,
  'mentionId' | 'funderId' | 'visibility' | 'grantCreatedAt' | 'link' | 'features' | 'featuresHash'
>;

/** Whether two recipients as written are strong enough evidence of one organisation on their own (an automatic link). */
export type DirectMatch = (a: StoredMention['features'], b: StoredMention['features']) => boolean;

/** Distinct recipients compared pairwise in one part; beyond this only stored links and equal recipients join. */
const MAX_COMPARED_RECIPIENTS = 40;

/**
 * A stored organisation's records as they are now: those an index query listed, with the records in hand (the
 * newest state; the query may lag a write by a moment) in their place, and only those still in the organisation.
 */
export function membersOf<T extends Pick<StoredMention, 'mentionId' | 'orgId'>>(
  orgId: string,
  listed: readonly T[],
  inHand: readonly T[],
): T[] {
  const byId = new Map(listed.map((m) => [m.mentionId, m]));
  for (const m of inHand) byId.set(m.mentionId, m);
  return [...byId.values()].filter((m) => m.orgId === orgId);
}

/** Older first: the record first written to the hub, then by id. */
function older(a: Member, b: Member): boolean {
  const x = a.grantCreatedAt ?? '';
  const y = b.grantCreatedAt ?? '';
  return x < y || (x === y && a.mentionId < b.mentionId);
}

/**
 * Splits one stored organisation's records into the parts that evidence among `included` records joins, and gives
 * each included record its part's anchor (the oldest record of the part). Evidence: a stored link between two
 * included records (automatic or a person's decision), the same recipient written the same way, and two included
 * recipients that match on their own. A link to a record outside `included` (hidden from the caller, another
 * organisation, removed) joins nothing.
 */
export function anchorsOf<T extends Member>(
  records: readonly T[],
  included: (m: T) => boolean,
  direct: DirectMatch,
): Map<string, T> {
  const members = new Map(records.filter(included).map((m) => [m.mentionId, m]));
  const parent = new Map([...members.keys()].map((id) => [id, id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(id, root);
    return root;
  };
  const join = (a: string, b: string) => parent.set(find(a), find(b));
  const byRecipient = new Map<string, T>();
  for (const m of members.values()) {
    const other = m.link.withMentionId;
    if (other && members.has(other)) join(m.mentionId, other);
    const same = byRecipient.get(m.featuresHash);
    if (same) join(m.mentionId, same.mentionId);
    else byRecipient.set(m.featuresHash, m);
  }
  const recipients = [...byRecipient.values()];
  if (recipients.length <= MAX_COMPARED_RECIPIENTS) {
    for (let i = 0; i < recipients.length; i++) {
      for (let j = i + 1; j < recipients.length; j++) {
        const [a, b] = [recipients[i] as T, recipients[j] as T];
        if (find(a.mentionId) !== find(b.mentionId) && direct(a.features, b.features)) {
          join(a.mentionId, b.mentionId);
        }
      }
    }
  }
  const anchorOfRoot = new Map<string, T>();
  for (const m of members.values()) {
    const root = find(m.mentionId);
    const current = anchorOfRoot.get(root);
    if (!current || older(m, current)) anchorOfRoot.set(root, m);
  }
  return new Map([...members.keys()].map((id) => [id, anchorOfRoot.get(find(id)) as T]));
}

/**
 * Who may read a record, as one word: records with the same audience are readable by exactly the same members
 * (the hub; one collaborative's members; one funder). The gap figures group a grantee's money only along links
 * between records of one audience, so a reader of any of them reads every record its grantee figure joins.
 */
export function audienceOf(m: Pick<StoredMention, 'funderId' | 'visibility'>): string {
  if (m.visibility === 'hub' || m.visibility === 'public') return 'hub';
  if (m.visibility === 'private') return `private:${m.funderId}`;
  return m.visibility;
}

/**
 * Each record's grantee key for the gap figures: its one-audience part's organisation id. With `groupOf` a
 * funder's id, the part its own records tie together (its `ownKey`, for the funder's own view of its grantees:
 * it reads every one of them).
 */
export function granteeKeysOf<T extends Member>(
  records: readonly T[],
  direct: DirectMatch,
  groupOf: (m: T) => string = audienceOf,
): Map<string, string> {
  const keys = new Map<string, string>();
  const audiences = new Set(records.map(groupOf));
  for (const audience of audiences) {
    for (const [id, anchor] of anchorsOf(records, (m) => groupOf(m) === audience, direct)) {
      keys.set(id, viewIdOf(anchor.mentionId));
    }
  }
  return keys;
}
