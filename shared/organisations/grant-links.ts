// Grant-level de-duplication: which records of grants to one organisation describe the same money.
// - reupload: one funder reported the same grant twice (a new id, a re-published file); near copies count too.
// - contribution: a collaborative member's report (regrantType FRG040, "Funder collaboration") of its share in a
//   grant its collaborative's pooled fund made to the same organisation: one money flow, counted once.
// Two funders' own awards to one grantee are co-funding and never link.
import { basicForm } from './names.ts';

export interface MoneyFacts {
  mentionId: string;
  funderId: string;
  grantId: string;
  amount: number;
  currency: string;
  /** YYYY-MM-DD */
  awardDate: string;
  title: string;
  regrantType: string | null;
  /** When the grant was first written to the hub (absent on mentions written before it was kept). */
  grantCreatedAt?: string | undefined;
  /** The upload (an import) the grant id first came in; absent on mentions written before it was kept. */
  uploadId?: string | undefined;
  /** The record's visibility: a record counts within another only where everyone who reads it reads that one. */
  visibility: string;
}

/** What the hub knows about funders' collaborative ties, read through the tenancy repositories. */
export interface FunderRelations {
  /** The collaborative whose pooled fund this funder is, or null. */
  pooledFundOf(funderId: string): Promise<string | null>;
  isMember(funderId: string, collaborativeId: string): Promise<boolean>;
  /** The collaboratives whose records the funder may read, as its principal would carry them. */
  collaborativesOf(funderId: string): Promise<string[]>;
}

export interface MoneyMatch {
  kind: 'reupload' | 'contribution';
  /** The record whose money counts; the other record is counted within it. */
  primary: MoneyFacts;
  secondary: MoneyFacts;
  evidence: string[];
}

export const FUNDER_COLLABORATION = 'FRG040';
const DAY_MS = 86_400_000;

const days = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) / DAY_MS;

function titleSimilarity(a: string, b: string): number {
  const tokens = (s: string) =>
    new Set(
      basicForm(s)
        .split(' ')
        .filter((t) => t.length > 2),
    );
  const x = tokens(a);
  const y = tokens(b);
  if (x.size === 0 && y.size === 0) return 1;
  const shared = [...x].filter((t) => y.has(t)).length;
  return shared / new Set([...x, ...y]).size;
}

/**
 * Same funder, same money, first written by a later upload: amount within 1%, award dates within 31 days, titles
 * mostly shared, the same regrant type. Two grants that first came in one upload (one file) with their own ids are two grants, however
 * alike (three £250 grants to one advice office on one day); a funder who means otherwise confirms them as one in
 * the review queue. A later file holding both copies (an export re-imported) leaves them as their first uploads
 * made them.
 */
export function isReupload(a: MoneyFacts, b: MoneyFacts): string[] | null {
  if (a.funderId !== b.funderId || a.grantId === b.grantId || a.currency !== b.currency) return null;
  // A copy reports the money the same way: a funder's FRG040 share of a pooled grant is not a copy of its own award.
  if ((a.regrantType ?? null) !== (b.regrantType ?? null)) return null;
  if (a.uploadId !== undefined && a.uploadId === b.uploadId) return null;
  const amountGap = Math.abs(a.amount - b.amount) / Math.max(a.amount, b.amount, 1);
  const dateGap = days(a.awardDate, b.awardDate);
  const titles = titleSimilarity(a.title, b.title);
  if (amountGap > 0.01 || dateGap > 31 || titles < 0.6) return null;
  const exact = amountGap === 0 && dateGap === 0 && titles === 1;
  return [
    exact ? 'exact copy: same amount, award date and title' : 'near copy',
    `amount ${a.currency} ${a.amount} vs ${b.amount}`,
    `award dates ${Math.round(dateGap)} days apart`,
    `title similarity ${titles.toFixed(2)}`,
  ];
}

/**
 * Of two copies of one grant, the one the hub had first (first written, then by mention id): the other is the
 * re-upload. Decided by the records, not by which is resolved first, so a re-delivered or re-resolved record
 * links the same way as on its first run. Records without a creation time were written before it was kept.
 */
function firstCopy(a: MoneyFacts, b: MoneyFacts): [MoneyFacts, MoneyFacts] {
  const key = (m: MoneyFacts) => `${m.grantCreatedAt ?? ''}|${m.mentionId}`;
  return key(a) <= key(b) ? [a, b] : [b, a];
}

const everyone = (visibility: string) => visibility === 'hub' || visibility === 'public';

/**
 * Whether everyone who may read `secondary` may also read `primary`. Only then may `secondary` count within
 * `primary`: the gap figures leave a linked record's money out for every reader, so a record linked to one its
 * readers cannot see would vanish from their figures, and its owner could read the hidden record's amount off
 * where it vanishes (an outsider did, to the euro, with a contribution to a private pooled-fund grant).
 */
export async function readersWithin(
  secondary: Pick<MoneyFacts, 'funderId' | 'visibility'>,
  primary: Pick<MoneyFacts, 'funderId' | 'visibility'>,
  relations: Pick<FunderRelations, 'isMember'>,
): Promise<boolean> {
  if (everyone(primary.visibility)) return true;
  if (everyone(secondary.visibility)) return false;
  const ownerReads = async (funderId: string) =>
    funderId === primary.funderId ||
    (primary.visibility.startsWith('collaborative:') &&
      (await relations.isMember(funderId, primary.visibility.slice('collaborative:'.length))));
  // A private record: its owner alone reads it.
  if (secondary.visibility === 'private') return ownerReads(secondary.funderId);
  // Shared with a collaborative: its members (and its owner) read it; the primary must be shared with the same one.
  return secondary.visibility === primary.visibility && (await ownerReads(secondary.funderId));
}

/**
 * Orders two records of one organisation's grants into a money link, or null when they are separate money
 * (co-funding included). A re-upload points at the copy the hub had first; a member's contribution at the
 * pooled fund's grant.
 */
export async function moneyMatch(
  record: MoneyFacts,
  other: MoneyFacts,
  relations: Pick<FunderRelations, 'pooledFundOf' | 'isMember'>,
): Promise<MoneyMatch | null> {
  const reupload = isReupload(record, other);
  if (reupload) {
    // The copy the hub had first counts, unless some who read the other copy may not read it: then the more
    // widely shared copy counts (a hub copy of a private grant counts, for everyone, once).
    const [first, later] = firstCopy(record, other);
    if (await readersWithin(later, first, relations))
      return { kind: 'reupload', primary: first, secondary: later, evidence: reupload };
    if (await readersWithin(first, later, relations))
      return { kind: 'reupload', primary: later, secondary: first, evidence: reupload };
    return null;
  }
  if (record.funderId === other.funderId || record.currency !== other.currency) return null;
  for (const [member, fund] of [
    [record, other],
    [other, record],
  ] as const) {
    if (member.regrantType !== FUNDER_COLLABORATION) continue;
    const collaborative = await relations.pooledFundOf(fund.funderId);
    if (!collaborative || !(await relations.isMember(member.funderId, collaborative))) continue;
    if (member.amount > fund.amount * 1.01 || days(member.awardDate, fund.awardDate) > 366) continue;
    if (!(await readersWithin(member, fund, relations))) continue;
    return {
      kind: 'contribution',
      primary: fund,
      secondary: member,
      evidence: [
        `${member.funderId} reports it with regrantType ${FUNDER_COLLABORATION} (funder collaboration)`,
        `${fund.funderId} is the pooled fund of ${collaborative}, which ${member.funderId} belongs to`,
        `${member.currency} ${member.amount} is within the pooled grant's ${fund.amount}`,
        `award dates ${Math.round(days(member.awardDate, fund.awardDate))} days apart`,
      ],
    };
  }
  return null;
}

/**
 * Money counted once over a set of records: a record linked to another record that is also in the set
 * (directly or through a chain) is left out; linked to one outside the set (not visible, deleted), it counts.
 */
export function countedOnce<T extends { mentionId: string; moneyLink: { toMentionId: string } | null }>(
  records: T[],
): T[] {
  const present = new Set(records.map((r) => r.mentionId));
  return records.filter((r) => !r.moneyLink || !present.has(r.moneyLink.toMentionId));
}
