// `cofund duplicates`: the review queue in a terminal, the evidence of one pair, and decisions.
import { pageOf } from '../../schemas/common.ts';
import { type DuplicateView, DuplicateViewSchema } from '../../schemas/organisation.ts';
import type { createApiClient } from '../api-client.ts';

type Client = ReturnType<typeof createApiClient>;

const money = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 });
const side = (s: DuplicateView['a']) =>
  `${s.name} (${s.funderId}/${s.grantId}, ${s.currency} ${money(s.amount)})`;

/** Every open pair, most money first, as long as there are pages (or up to `max`). */
export async function listDuplicates(client: Client, max: number): Promise<DuplicateView[]> {
  const items: DuplicateView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = new URLSearchParams({
      limit: String(Math.min(100, max - items.length)),
      ...(cursor ? { cursor } : {}),
    }).toString();
    const page = await client.json(pageOf(DuplicateViewSchema), 'GET', `/v1/duplicates?${query}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

export function formatQueue(items: DuplicateView[]): string {
  if (items.length === 0) return 'No duplicates waiting for your review.';
  const lines = items.map(
    (p) =>
      `${p.pairId}  ${money(p.moneyAffected).padStart(12)}  score ${p.score.toFixed(1).padStart(5)}${p.kind === 'possible-successor' ? '  possible successor' : ''}\n` +
      `    ${side(p.a)}\n    ${side(p.b)}`,
  );
  return [`${items.length} pair(s) to review, most money affected first:`, ...lines].join('\n');
}

export function formatPair(p: DuplicateView): string {
  const evidence = p.evidence
    .filter((e) => e.outcome !== 'missing')
    .map(
      (e) =>
        `    ${e.feature.padEnd(13)} ${e.outcome.padEnd(9)} ${e.weight >= 0 ? '+' : ''}${e.weight.toFixed(2)}`,
    );
  return [
    `Pair ${p.pairId}${p.kind === 'possible-successor' ? ' (possible successor: one name, two registrations)' : ''}: ${p.status}${p.decidedBy ? ` by ${p.decidedBy.funderId}/${p.decidedBy.memberId}` : ''}`,
    `  a: ${side(p.a)}  [${p.a.orgId}]`,
    `  b: ${side(p.b)}  [${p.b.orgId}]`,
    `  score ${p.score} (config ${p.configVersion}); evidence:`,
    ...evidence,
    ...(p.note ? [`  note: ${p.note}`] : []),
  ].join('\n');
}

export async function decide(
  client: Client,
  pairId: string,
  decision: 'confirm' | 'reject' | 'split',
  note: string | undefined,
): Promise<DuplicateView> {
  return client.json(DuplicateViewSchema, 'POST', `/v1/duplicates/${encodeURIComponent(pairId)}/decision`, {
    body: { decision, ...(note ? { note } : {}) },
  });
}
