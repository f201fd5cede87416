// A generated multi-funder corpus with known truth: organisations written differently by each funder, and
// grants whose money relations are known (re-uploads, pooled-fund contributions, co-funding, annual renewals).
import type { MoneyFacts } from '../shared/organisations/grant-links.ts';
import type { OrganisationInput } from '../shared/organisations/mention.ts';
import { FIRST_LONG_WORD, inventedWord } from '../tools/invented-names.ts';
import { seededRandom } from '../tools/seeded-random.ts';

const KINDS = [
  'Refugee Project',
  'Migrant Rights Centre',
  'Advice Network',
  'Law Centre',
  'Welcome Trust',
  'Housing Association',
  'Youth Foundation',
  'Women’s Collective',
];
export const CORPUS_FUNDERS = ['north-fund', 'south-fund', 'east-fund', 'west-fund', 'pooled-fund'] as const;
/** `pooled-fund` is the pooled fund of the collaborative `alliance`, whose members are north-fund and south-fund. */
export const CORPUS_MEMBERS = new Set(['north-fund', 'south-fund']);

export type NameVariant =
  | 'as-is'
  | 'legal-form'
  | 'case'
  | 'acronym'
  | 'word-order'
  | 'typo'
  | 'identifier-only';
const NAME_VARIANTS: NameVariant[] = [
  'as-is',
  'legal-form',
  'case',
  'acronym',
  'word-order',
  'typo',
  'identifier-only',
];

export interface CorpusMention {
  org: number;
  variant: NameVariant;
  input: OrganisationInput;
}

export type MoneyTruth = 'reupload' | 'contribution';

export interface CorpusGrant extends MoneyFacts {
  org: number;
  /** The grant whose money this one is already part of, by truth; null for separate money. */
  countedIn: string | null;
  truth: MoneyTruth | 'co-funding' | 'renewal' | 'second-project' | 'original';
}

export function generateCorpus(organisations: number, seed = 7) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const orgs = Array.from({ length: organisations }, (_, i) => ({
    name: `${inventedWord(i + FIRST_LONG_WORD)} ${i % 3 === 0 ? `${inventedWord((i * 7919) % 99_991)} ` : ''}${KINDS[i % KINDS.length]}`,
    charity: random() < 0.6 ? String(1_100_000 + i) : null,
    postcode:
      random() < 0.5
        ? `E${1 + (i % 20)} ${i % 9}${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + (Math.floor(i / 26) % 26))}`
        : null,
  }));

  const writeName = (name: string, variant: NameVariant): string => {
    const words = name.split(' ');
    switch (variant) {
      case 'legal-form':
        return `${name} Ltd`;
      case 'case':
        return name.toUpperCase();
      case 'acronym':
        return `${words
          .map((w) => w[0])
          .join('')
          .toUpperCase()} (${name})`;
      case 'word-order':
        return [...words.slice(1), words[0]].join(' ');
      case 'typo': {
        const w = words[0] ?? '';
        const at = 1 + Math.floor(random() * Math.max(1, w.length - 2));
        words[0] = w.slice(0, at) + (w[at + 1] ?? '') + (w[at] ?? '') + w.slice(at + 2);
        return words.join(' ');
      }
      case 'identifier-only':
        return `${words[0]} ${words.at(-1)}`;
      default:
        return name;
    }
  };

  const mentions: CorpusMention[] = [];
  const grants: CorpusGrant[] = [];
  let grantNo = 0;
  const mentionOf = (org: number, variant: NameVariant): OrganisationInput => {
    const o = orgs[org] as (typeof orgs)[number];
    // The funder the organisation first came from wrote its registration, like the real files' GB-CHC ids.
    const keepNumber = variant === 'identifier-only' || variant === 'as-is' || random() < 0.5;
    return {
      id: `360G-corpus-${org}-${mentions.length}`,
      name: writeName(o.name, variant),
      ...(keepNumber && o.charity ? { charityNumber: o.charity } : {}),
      ...(o.postcode && random() < 0.5 ? { postalCode: o.postcode } : {}),
    };
  };
  const grant = (org: number, funderId: string, fields: Partial<CorpusGrant> = {}): CorpusGrant => {
    const year = 2018 + Math.floor(random() * 6);
    const g: CorpusGrant = {
      mentionId: `${funderId}#g-${grantNo}#0`,
      funderId,
      grantId: `g-${grantNo++}`,
      amount: 5000 * (1 + Math.floor(random() * 40)),
      currency: 'GBP',
      awardDate: `${year}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      title: `${pick(['Core funding', 'Project grant', 'Emergency support', 'Legal casework'])} for ${orgs[org]?.name}`,
      regrantType: null,
      // Shared hub-wide: the corpus measures which records are one money flow, not who may read them.
      visibility: 'hub',
      org,
      countedIn: null,
      truth: 'original',
      ...fields,
      // Grants reach the hub in the order they are made (a copy too), a second apart.
      grantCreatedAt: new Date(Date.UTC(2026, 0, 1) + grantNo * 1000).toISOString(),
    };
    grants.push(g);
    return g;
  };

  for (let org = 0; org < organisations; org++) {
    // How each funder wrote the organisation: the source once, then a variant per other mention.
    mentions.push({ org, variant: 'as-is', input: mentionOf(org, 'as-is') });
    const others = Math.floor(random() * 3);
    for (let k = 0; k < others; k++) {
      const variant = NAME_VARIANTS[(org + k) % NAME_VARIANTS.length] as NameVariant;
      mentions.push({ org, variant, input: mentionOf(org, variant) });
    }

    const first = grant(org, pick(CORPUS_FUNDERS.slice(0, 4)));
    const r = random();
    if (r < 0.15) {
      grant(org, first.funderId, {
        ...first,
        mentionId: '',
        grantId: '',
        countedIn: first.grantId,
        truth: 'reupload',
      });
    } else if (r < 0.25) {
      grant(org, first.funderId, {
        amount: Math.round(first.amount * 1.004),
        awardDate: first.awardDate.replace(
          /-(\d)(\d)$/,
          (_, a: string, b: string) => `-${a === '1' ? '2' : '1'}${b}`,
        ),
        title: `${first.title} (revised)`,
        countedIn: first.grantId,
        truth: 'reupload',
      });
    } else if (r < 0.35) {
      // An annual renewal: same funder, same amount and title a year later, new money.
      grant(org, first.funderId, {
        amount: first.amount,
        title: first.title,
        awardDate: `${Number(first.awardDate.slice(0, 4)) + 1}${first.awardDate.slice(4)}`,
        truth: 'renewal',
      });
    } else if (r < 0.42) {
      // A second, different project the same month, often for the same amount: new money.
      grant(org, first.funderId, {
        amount: random() < 0.5 ? first.amount : first.amount + 5000,
        awardDate: first.awardDate,
        title: `Capacity building and training for ${orgs[org]?.name}`,
        truth: 'second-project',
      });
    } else if (r < 0.55) {
      // The pooled fund's grant and a member's FRG040 report of its share in it.
      const pooled = grant(org, 'pooled-fund');
      grant(org, pick(['north-fund', 'south-fund']), {
        amount: Math.round(pooled.amount / 3),
        awardDate: pooled.awardDate,
        regrantType: 'FRG040',
        countedIn: pooled.grantId,
        truth: 'contribution',
      });
    } else if (r < 0.7) {
      // Co-funding: another funder's own award, sometimes of the very same amount.
      const other = CORPUS_FUNDERS.slice(0, 4).find((f) => f !== first.funderId) as string;
      grant(org, other, {
        amount: random() < 0.5 ? first.amount : first.amount * 2,
        awardDate: first.awardDate,
        truth: 'co-funding',
      });
    }
  }
  // Re-uploads copied the original's fields: give them their own ids.
  for (const g of grants) {
    if (g.grantId === '') {
      g.grantId = `g-${grantNo++}`;
      g.mentionId = `${g.funderId}#${g.grantId}#0`;
    }
  }
  return { orgs, mentions, grants };
}
