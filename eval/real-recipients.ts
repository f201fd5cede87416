// The real 360Giving recipients as the hub meets them: every grant's recipient is one mention, in file order, and
// on half of the records (seeded) the registered identifiers are hidden (the id becomes the funder's internal
// 360G- id, charity and company numbers are dropped), as when another funder reports the same grantee without them.
// Truth: one published id is one organisation, and so are two ids published with the very same name at the very
// same postcode (a charity re-registered as a CIO). Split by a hash of the organisation into tuning / held-out.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { toMention } from '../shared/organisations/mention.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import type { Labelled } from './dedupe-eval.ts';
import { groupIndexes, pairsWithin } from './pairs.ts';
import type { RorSplit } from './ror-names.ts';

export const GRANTS = resolve(import.meta.dirname, '..', 'local', 'demo', '360giving');
export const REAL_FILES = ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json'];
export const OrgSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  charityNumber: z.string().optional(),
  companyNumber: z.string().optional(),
  postalCode: z.string().optional(),
  url: z.string().optional(),
});
export const FileSchema = z.object({
  grants: z.array(z.looseObject({ recipientOrganization: z.array(OrgSchema).optional() })),
});

const splitOf = (entity: string): RorSplit =>
  ((createHash('sha256').update(entity).digest()[0] ?? 0) & 1) === 0 ? 'tuning' : 'held-out';

/** True pairs are labelled 'names alike' or 'names differ' (after case and spacing), and 'ids hidden' when either side lost its ids. */
export const RECIPIENT_LABELS = ['names alike', 'names differ', 'ids hidden'] as const;

/** Every recipient record of the real files, with its organisation: one id, or one name at one postcode. */
function records() {
  const all: Array<{ org: z.infer<typeof OrgSchema>; file: string; grant: number }> = [];
  for (const file of REAL_FILES) {
    const data = FileSchema.parse(JSON.parse(readFileSync(resolve(GRANTS, file), 'utf8')));
    data.grants.forEach((grant, g) => {
      for (const org of grant.recipientOrganization ?? []) all.push({ org, file, grant: g });
    });
  }
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const [x, y] = [find(a), find(b)];
    if (x !== y) parent.set(x, y);
  };
  for (const { org } of all) {
    parent.set(`id:${org.id}`, find(`id:${org.id}`));
    if (org.postalCode) {
      union(`id:${org.id}`, `at:${org.name.trim()}|${org.postalCode.replace(/\s+/g, '').toUpperCase()}`);
    }
  }
  return all.map((r) => ({ ...r, entity: find(`id:${r.org.id}`) }));
}

export function recipientSet(split: RorSplit) {
  const random = seededRandom(split === 'tuning' ? 360 : 630);
  const set: Labelled[] = [];
  const hidden: boolean[] = [];
  for (const { org, file, grant: g, entity } of records()) {
    if (splitOf(entity) !== split) continue;
    const hide = random() < 0.5;
    const { charityNumber, companyNumber, ...rest } = org;
    set.push({
      mention: toMention(
        hide
          ? { ...rest, id: `360G-${file.slice(0, 4)}-${g}` }
          : {
              ...rest,
              ...(charityNumber ? { charityNumber } : {}),
              ...(companyNumber ? { companyNumber } : {}),
            },
      ),
      entity,
      variant: 'record',
    });
    hidden.push(hide);
  }
  const truePairs = new Map<string, string[]>();
  const groups = groupIndexes(set, (item) => item.entity);
  const plain = (name: string) => name.toLowerCase().replace(/\s+/g, ' ').trim();
  for (const [i, j] of groups.flatMap(pairsWithin)) {
    const a = set[i] as Labelled;
    const b = set[j] as Labelled;
    const labels = [plain(a.mention.name) === plain(b.mention.name) ? 'names alike' : 'names differ'];
    if (hidden[i] || hidden[j]) labels.push('ids hidden');
    truePairs.set(`${i}|${j}`, labels);
  }
  return { set, truePairs, organisations: groups.length };
}
