// Whose money a grant says it is: a grant's fundingOrganization must be the funder writing it (or a pooled
// sub-fund of a collaborative it runs the secretariat of), never silently another organisation's grant filed
// under the importer. Funders are known by their org-ids and names (GET /v1/funders shows both to any member).
import type { Funder } from '../../schemas/tenancy.ts';
import type { FieldError } from '../errors.ts';
import { canonicalIdentifier as canonicalId } from '../organisations/identifiers.ts';
import { basicForm } from '../organisations/names.ts';
import type { CollaborativeRepository } from '../tenancy/collaborative-repository.ts';
import type { FunderRepository } from '../tenancy/funder-repository.ts';

const TTL_MS = 60_000;

interface Identity {
  funderId: string;
  name: string;
  identifiers: string[];
}

export interface FundingDirectory {
  /**
   * The writer (first) and the sub-funds it administers, and every funder of the hub (to name whose grant it is).
   * The funders' list is cached for a minute; who holds each of `fundingIds` (the identifiers the grants name) is
   * read from the identifier claims as it is now, so a funder created or an identifier moved a moment ago counts.
   */
  identities(funderId: string, fundingIds?: string[]): Promise<{ own: Identity[]; all: Identity[] }>;
}

/** The identifiers grants name as their funding organisations, from requests not yet validated. */
export function fundingIdsOf(grants: unknown[]): string[] {
  const ids = new Set<string>();
  for (const grant of grants) {
    const funding = (grant as { fundingOrganization?: unknown } | null)?.fundingOrganization;
    if (!Array.isArray(funding)) continue;
    for (const entry of funding) {
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id.length <= 128) ids.add(canonicalId(id));
    }
  }
  return [...ids].slice(0, 100);
}

/** The directory with `holders` (identifier → funder, as the claims say now) overriding the cached list. */
function withHolders(all: Identity[], holders: Map<string, string>): Identity[] {
  const moved = new Set(holders.keys());
  const identities = all.map((i) => ({
    ...i,
    identifiers: [
      ...i.identifiers.filter((id) => !moved.has(id)),
      ...[...holders].filter(([, holder]) => holder === i.funderId).map(([id]) => id),
    ],
  }));
  // A funder created since the list was read: known by the identifiers it claimed.
  for (const [id, holder] of holders) {
    if (identities.some((i) => i.funderId === holder)) continue;
    identities.push({ funderId: holder, name: '', identifiers: [id] });
  }
  return identities;
}

const nameKey = (name: string) => basicForm(name);

function identityOf(f: Funder): Identity {
  return { funderId: f.id, name: f.name, identifiers: f.identifiers.map(canonicalId) };
}

export function createFundingDirectory(deps: {
  funders: FunderRepository;
  collaboratives: CollaborativeRepository;
  now?: () => number;
}): FundingDirectory {
  const now = deps.now ?? Date.now;
  let cached: {
    at: number;
    value: Promise<{ funders: Funder[]; secretariats: Map<string, string[]>; members: Set<string> }>;
  } | null = null;
  const load = async () => {
    const funders: Funder[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.funders.list(100, startKey);
      funders.push(...page.items);
      startKey = page.lastKey;
    } while (startKey);
    // Which collaboratives each funder is the secretariat of, and who belongs to each (`collaborative|funder`):
    // a pooled fund is the secretariat's to file grants for only once it is a confirmed member.
    const secretariats = new Map<string, string[]>();
    const members = new Set<string>();
    for (const c of await deps.collaboratives.list()) {
      secretariats.set(c.secretariat, [...(secretariats.get(c.secretariat) ?? []), c.id]);
      for (const m of await deps.collaboratives.listMembers(c.id)) members.add(`${c.id}|${m.funderId}`);
    }
    return { funders, secretariats, members };
  };
  return {
    async identities(funderId, fundingIds = []) {
      if (!cached || now() - cached.at > TTL_MS) {
        const value = load();
        cached = { at: now(), value };
        value.catch(() => {
          cached = null;
        });
      }
      const { funders, secretariats, members } = await cached.value;
      const runs = new Set(secretariats.get(funderId) ?? []);
      const own = funders.filter(
        (f) =>
          f.id === funderId ||
          (f.kind === 'pooled-fund' &&
            f.subFundOf !== undefined &&
            runs.has(f.subFundOf) &&
            members.has(`${f.subFundOf}|${f.id}`)),
      );
      // The writer itself first: its identifiers decide whether the hub can check a grant.
      own.sort((a, b) => Number(b.id === funderId) - Number(a.id === funderId));
      const holders = await deps.funders.holdersOf(fundingIds);
      const all = withHolders(funders.map(identityOf), holders);
      const ownIds = new Set(own.map((f) => f.id));
      const ownIdentities = own.map((f) => all.find((i) => i.funderId === f.id) ?? identityOf(f));
      // The writer itself even when the cached list does not have it yet (created a moment ago).
      if (!ownIds.has(funderId)) {
        const fresh = all.find((i) => i.funderId === funderId);
        if (fresh) ownIdentities.unshift(fresh);
      }
      return { own: ownIdentities, all };
    },
  };
}

interface FundingEntry {
  id?: unknown;
  name?: unknown;
}

const describe = (e: FundingEntry) =>
  [typeof e.name === 'string' ? e.name : null, typeof e.id === 'string' ? `(${e.id})` : null]
    .filter(Boolean)
    .join(' ');

/**
 * Refuses a grant funded by somebody else, or naming another funder of the hub among its funders; accepts, with a warning, one the hub cannot check because the writer's
 * funder has no org-id recorded and the grant names no other funder of the hub.
 */
export function checkFundingOrganisation(
  entries: FundingEntry[],
  writer: { own: Identity[]; all: Identity[] },
  prefix: string,
): { error?: FieldError; warning?: FieldError } {
  const field = `${prefix}fundingOrganization`;
  const self = writer.own[0];
  const ownIds = new Set(writer.own.flatMap((i) => i.identifiers));
  const ownNames = new Set(writer.own.map((i) => nameKey(i.name)).filter((n) => n !== ''));
  const ids = entries.map((e) => (typeof e.id === 'string' ? canonicalId(e.id) : null));
  const names = entries.map((e) => (typeof e.name === 'string' ? nameKey(e.name) : null));
  const shown = entries.map(describe).join('; ');
  const yours = self
    ? `${self.funderId}${self.identifiers.length ? ` (${self.identifiers.join(', ')})` : ''}`
    : 'your funder';
  const otherFunder = writer.all.find(
    (f) =>
      !writer.own.some((o) => o.funderId === f.funderId) &&
      (f.identifiers.some((i) => ids.includes(i)) || (f.name !== '' && names.includes(nameKey(f.name)))),
  );
  if (otherFunder) {
    return {
      error: {
        field,
        message: `is the hub's funder ${otherFunder.funderId}, not ${yours}: import its grants with a key of ${otherFunder.funderId}`,
        value: shown,
      },
    };
  }
  // Only after that: a grant naming the writer and also another funder of the hub (anywhere in the list, e.g. first,
  // as the flat 360Giving form shows it) would publish that funder's name on the writer's word.
  if (ids.some((id) => id !== null && ownIds.has(id))) return {};
  // Whether the writer's own funder (not a sub-fund it runs) has an org-id the hub can check against.
  const checkable = (self?.identifiers.length ?? 0) > 0;
  if (names.some((n) => n !== null && ownNames.has(n))) {
    return !checkable
      ? {}
      : {
          warning: {
            field,
            message: `names your funder, but not with one of its identifiers (${yours}); accepted by name: ask the hub operator to record the identifier if it is yours`,
            value: shown,
          },
        };
  }
  if (checkable) {
    return {
      error: {
        field,
        message: `is not ${yours}: a funder imports only its own grants (and those of sub-funds whose collaborative it runs)`,
        value: shown,
      },
    };
  }
  return {
    warning: {
      field,
      message: `could not be checked: ${yours} has no org-id recorded in the hub (ask the hub operator to add it)`,
      value: shown,
    },
  };
}
