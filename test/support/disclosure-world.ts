// Generated worlds for the disclosure adversary: funders, collaboratives with memberships, grants of every
// visibility in sparse and dense cells, states of the world between queries (grants added, edited, withdrawn,
// published, sock-puppet funders made by the operator), and the real gap service over them (in memory: the
// service, its disclosure rule and its noise are the hub's own; only the cell store is a map).
import type { GapResponse } from '../../schemas/gaps.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { rollupAttribute } from '../../shared/gaps/contribution.ts';
import { DEFAULT_PRIVACY, type GrantNoise, keyedNoise } from '../../shared/gaps/gap-math.ts';
import type { GapRepository, StoredCell } from '../../shared/gaps/gap-repository.ts';
import { createGapService } from '../../shared/gaps/gap-service.ts';
import type { FunderRepository } from '../../shared/tenancy/funder-repository.ts';

export const THEMES = ['education', 'integration'] as const;
export const REGIONS = ['africa', 'europe'] as const;
export const YEARS = [2019, 2020, 2021] as const;

export interface WorldGrant {
  id: string;
  funder: string;
  year: number;
  theme: string;
  region: string;
  cents: number;
  visibility: string;
}

export interface WorldState {
  /** What changed to reach this state from the first (for the report). */
  change: string;
  grants: WorldGrant[];
  /** Funders made by the operator in this state (sock puppets). */
  puppets: string[];
}

export interface World {
  seed: number;
  funders: string[];
  collaboratives: Map<string, Set<string>>;
  states: WorldState[];
}

/** Mulberry32: a small seeded generator, so a failing world can be regenerated from its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  /** Dollars, log-uniform between 1,000 and 5,000,000, as cents. */
  const amount = () => Math.round(10 ** (3 + next() * 3.7)) * 100;
  return { next, int, pick, amount };
}

export const cellKey = (g: { year: number; theme: string; region: string }) =>
  `${g.year}#${g.theme}#${g.region}`;

export function generateWorld(seed: number): World {
  const r = random(seed);
  const funders = Array.from({ length: r.int(3, 8) }, (_, i) => `f${i}`);
  const collaboratives = new Map<string, Set<string>>();
  for (let c = 0; c < r.int(1, 3); c += 1) {
    const members = new Set(funders.filter(() => r.next() < 0.5));
    if (members.size < 2) members.add(r.pick(funders)).add(r.pick(funders));
    collaboratives.set(`c${c}`, members);
  }
  const cells = YEARS.flatMap((year) =>
    THEMES.flatMap((theme) => REGIONS.map((region) => ({ year, theme, region }))),
  );
  // Dense worlds put most funders in most cells; sparse ones leave most cells with one or two.
  const density = r.pick([0.25, 0.5, 0.85]);
  const grants: WorldGrant[] = [];
  let n = 0;
  for (const cell of cells) {
    for (const funder of funders) {
      if (r.next() > density) continue;
      for (let i = 0; i < r.int(1, 3); i += 1) {
        const own = [...collaboratives].filter(([, m]) => m.has(funder)).map(([id]) => `collaborative:${id}`);
        const visibility = r.pick(['private', 'private', 'private', 'hub', 'public', ...own]);
        n += 1;
        grants.push({ id: `g${n}`, funder, ...cell, cents: r.amount(), visibility });
      }
    }
  }
  const states: WorldState[] = [{ change: 'initial', grants, puppets: [] }];
  const privateGrants = () => states[0]?.grants.filter((g) => g.visibility === 'private') ?? [];
  const changes: Array<() => WorldState | null> = [
    () => {
      const g = r.pick(privateGrants());
      if (!g) return null;
      return {
        change: `edit ${g.id}`,
        puppets: [],
        grants: grants.map((x) => (x === g ? { ...x, cents: r.amount() } : x)),
      };
    },
    () => {
      const g = r.pick(privateGrants());
      if (!g) return null;
      return { change: `withdraw ${g.id}`, puppets: [], grants: grants.filter((x) => x !== g) };
    },
    () => {
      const g = r.pick(privateGrants());
      if (!g) return null;
      return {
        change: `publish ${g.id}`,
        puppets: [],
        grants: grants.map((x) => (x === g ? { ...x, visibility: 'hub' } : x)),
      };
    },
    () => {
      const g = r.pick(privateGrants());
      if (!g) return null;
      n += 1;
      return {
        change: `add to ${g.funder} in ${cellKey(g)}`,
        puppets: [],
        grants: [...grants, { ...g, id: `g${n}`, cents: r.amount() }],
      };
    },
  ];
  for (let i = 0; i < 2; i += 1) {
    const next = r.pick(changes)();
    if (next) states.push(next);
  }
  // The operator's sock puppets: in every cell where someone has private money, 2 to 4 new funders give private
  // grants sized to pass the k and dominance rules (the largest private amount there, a tenth of it, a half).
  const puppets = Array.from({ length: r.int(2, 4) }, (_, i) => `puppet${i}`);
  const puppetGrants: WorldGrant[] = [];
  for (const cell of cells) {
    const here = grants.filter((g) => g.visibility === 'private' && cellKey(g) === cellKey(cell));
    if (here.length === 0) continue;
    const largest = Math.max(...here.map((g) => g.cents));
    for (const p of puppets) {
      n += 1;
      const cents = Math.round(largest * r.pick([1, 0.5, 0.1, 0.02])) || 100;
      puppetGrants.push({ id: `g${n}`, funder: p, ...cell, cents, visibility: 'private' });
    }
  }
  states.push({
    change: `operator adds ${puppets.length} sock puppets`,
    grants: [...grants, ...puppetGrants],
    puppets,
  });
  return { seed, funders, collaboratives, states };
}

/** The rollup cells of a state, as the stream would build them (one cell per grant here). */
export function cellsOf(grants: WorldGrant[], noise: GrantNoise): StoredCell[] {
  const cells = new Map<string, StoredCell>();
  for (const g of grants) {
    const key = cellKey(g);
    const cell = cells.get(key) ?? { year: g.year, theme: g.theme, region: g.region, values: {} };
    const add = (name: string, value: number) => {
      cell.values[name] = (cell.values[name] ?? 0) + value;
    };
    add(rollupAttribute.amount(g.funder, g.visibility), g.cents);
    add(rollupAttribute.grants(g.funder, g.visibility), 1);
    add(rollupAttribute.grantee(`org-${g.id}`, `org-${g.id}`, g.funder, g.visibility), g.cents);
    if (g.visibility === 'private')
      add(
        rollupAttribute.perturbed(g.funder, g.visibility),
        Math.round(g.cents * noise(g.funder, g.id, g.year)),
      );
    cells.set(key, cell);
  }
  return [...cells.values()];
}

/** The hub's gap service over one state's cells. */
export function gapServiceOver(world: World, grants: WorldGrant[], key: Buffer) {
  const cells = cellsOf(grants, keyedNoise(key, DEFAULT_PRIVACY));
  const split = (list: StoredCell[], grantee: boolean) =>
    list.map((c) => ({
      ...c,
      values: Object.fromEntries(
        Object.entries(c.values).filter(([name]) => name.startsWith('g|') === grantee),
      ),
    }));
  const repo: Pick<GapRepository, 'readYears' | 'cellsOfYear' | 'granteesOfYear' | 'yearTotals'> = {
    readYears: async () => [...YEARS],
    cellsOfYear: async (year, theme) =>
      split(
        cells.filter((c) => c.year === year && (theme === undefined || c.theme === theme)),
        false,
      ),
    granteesOfYear: async (year, theme) =>
      split(
        cells.filter((c) => c.year === year && (theme === undefined || c.theme === theme)),
        true,
      ),
    yearTotals: async () => [],
  };
  const funders: Pick<FunderRepository, 'list'> = { list: async () => ({ items: [], lastKey: undefined }) };
  return createGapService({
    repo: repo as GapRepository,
    funders: funders as FunderRepository,
    tenancy: {
      getCollaborative: async (id: string) =>
        ({ id, members: [...(world.collaboratives.get(id) ?? [])], subFunds: [] }) as never,
    },
    organisationName: async () => null,
    openAsks: async () => [],
  });
}

export const principalOf = (funderId: string, collaboratives: string[]): Principal => ({
  funderId,
  memberId: `${funderId}-viewer`,
  keyId: 'adversary',
  role: funderId === 'hub-operator' ? 'operator' : 'viewer',
  collaboratives,
});

/** Every query shape the suite asks: each grouping with no filter and with each kind of filter. */
export function queryShapes(world: World) {
  const groupings = ['', 'theme', 'region', 'year', 'theme,region', 'region,year', 'theme,region,year'];
  const filters: Array<Record<string, string>> = [
    {},
    { theme: 'education' },
    { region: 'africa' },
    { yearFrom: '2020' },
    { yearFrom: '2020', yearTo: '2020' },
    { theme: 'integration', region: 'europe', yearTo: '2020' },
    ...[...world.collaboratives.keys()].map((collaborative) => ({ collaborative })),
  ];
  return groupings.flatMap((groupBy) => filters.map((f) => ({ groupBy, ...f })));
}

export type Answer = GapResponse;
export { DEFAULT_PRIVACY, type GrantNoise, keyedNoise };
