// The disclosure adversary: over generated worlds it asks the hub's gap service every query shape as every
// funder (with its memberships as they are, and changed), the operator, an outsider and the operator's sock
// puppets, checks that answers differ between callers only in what each may read, and then, for each funder's
// private total in each cell of each state, estimates it the ways a coalition could and records how close it got.
import { GapQuerySchema } from '../../schemas/gaps.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { DEFAULT_PRIVACY, keyedNoise } from '../../shared/gaps/gap-math.ts';
import {
  cellKey,
  gapServiceOver,
  generateWorld,
  principalOf,
  queryShapes,
  type World,
  type WorldGrant,
} from './disclosure-world.ts';

export interface Estimate {
  seed: number;
  state: string;
  cell: string;
  target: string;
  coalition: string[];
  method: string;
  /** Funders with private money in what the estimate is made from that the coalition does not know (1: the target alone). */
  unknown: number;
  /** Whether the coalition's own noise is removed (learned), or its own money taken at face value. */
  learned: boolean;
  truth: number;
  estimate: number;
  /** |estimate - truth| / |truth| */
  error: number;
}

export interface AdversaryReport {
  worlds: number;
  states: number;
  queries: number;
  coalitions: number;
  estimates: number;
  /** Violations of "answers differ only in what each caller may read" (should be none). */
  inconsistencies: string[];
  /** The closest estimates of all. */
  closest: Estimate[];
  /** The closest where the target is the only funder the coalition does not know, its own noise learned. */
  closestAlone: Estimate[];
  /** Estimates within the bound, of all, and of those where the target is alone. */
  within: Estimate[];
  withinAlone: Estimate[];
  /**
   * A guesser who knows the noise's distribution (not its key) and divides an isolated figure by a typical factor:
   * per estimate where the target is alone, the two guesses figure / 1.225 and figure / 0.775 (the middles of the two
   * bands), and how many of them landed within the bound. Not part of the guarantee: README "Disclosure".
   */
  rescaled: { guesses: number; within: number };
}

const readable = (p: Principal, g: WorldGrant) =>
  g.funder === p.funderId ||
  g.visibility === 'hub' ||
  g.visibility === 'public' ||
  (g.visibility.startsWith('collaborative:') && p.collaboratives.includes(g.visibility.slice(14)));

function subsets<T>(list: T[], max: number): T[][] {
  const out: T[][] = [[]];
  for (const item of list) {
    for (const s of [...out]) if (s.length < max) out.push([...s, item]);
  }
  return out;
}

/** Every principal the adversary can speak as in a state, with memberships as they are and changed. */
function principals(world: World, puppets: string[]): Principal[] {
  const out: Principal[] = [];
  for (const f of world.funders) {
    const mine = [...world.collaboratives].filter(([, m]) => m.has(f)).map(([id]) => id);
    out.push(principalOf(f, mine));
    // Its own memberships changed between queries: each one left, and (were it invited) each other one joined.
    for (const c of mine)
      out.push(
        principalOf(
          f,
          mine.filter((x) => x !== c),
        ),
      );
    for (const c of world.collaboratives.keys())
      if (!mine.includes(c)) out.push(principalOf(f, [...mine, c]));
  }
  out.push(principalOf('hub-operator', []), principalOf('outsider', []));
  for (const p of puppets) out.push(principalOf(p, []));
  return out;
}

export async function runAdversary(options: {
  worlds: number;
  firstSeed?: number;
  bound?: number;
  key?: Buffer;
}): Promise<AdversaryReport> {
  const bound = options.bound ?? 0.1;
  const key = options.key ?? Buffer.from('adversary-suite-key-0123456789ab');
  const noise = keyedNoise(key, DEFAULT_PRIVACY);
  const report: AdversaryReport = {
    worlds: 0,
    states: 0,
    queries: 0,
    coalitions: 0,
    estimates: 0,
    inconsistencies: [],
    closest: [],
    closestAlone: [],
    within: [],
    withinAlone: [],
    rescaled: { guesses: 0, within: 0 },
  };
  const all: Estimate[] = [];
  for (let w = 0; w < options.worlds; w += 1) {
    const seed = (options.firstSeed ?? 1) + w;
    const world = generateWorld(seed);
    report.worlds += 1;
    /** Per state: each finest cell's private figure (cents), as every caller got it. */
    const figures: Array<Map<string, number>> = [];
    for (const state of world.states) {
      report.states += 1;
      const service = gapServiceOver(world, state.grants, key);
      const shown = new Map<string, number>();
      for (const shape of queryShapes(world)) {
        const query = GapQuerySchema.parse(shape);
        let reference: Map<string, number | null> | undefined;
        for (const principal of principals(world, state.puppets)) {
          report.queries += 1;
          const answer = await service.gaps({ principal }, query);
          const rows = new Map<string, number | null>();
          for (const row of answer.cells) {
            const id = `${row.theme}|${row.region}|${row.year}`;
            rows.set(id, row.privateFundingEstimate);
            // Exact over what this caller may read, nothing more.
            const expected = state.grants
              .filter(
                (g) =>
                  readable(principal, g) &&
                  (row.theme === null || g.theme === row.theme) &&
                  (row.region === null || g.region === row.region) &&
                  (row.year === null || g.year === row.year) &&
                  (query.theme === undefined || g.theme === query.theme) &&
                  (query.region === undefined || g.region === query.region) &&
                  (query.yearFrom === undefined || g.year >= query.yearFrom) &&
                  (query.yearTo === undefined || g.year <= query.yearTo) &&
                  (query.collaborative === undefined ||
                    world.collaboratives.get(query.collaborative)?.has(g.funder)),
              )
              .reduce((sum, g) => sum + g.cents, 0);
            if (Math.round(row.totalAwarded * 100) !== expected) {
              report.inconsistencies.push(
                `seed ${seed} ${state.change} ${JSON.stringify(shape)} as ${principal.funderId}[${principal.collaboratives}]: row ${id} totalAwarded ${row.totalAwarded}, readable ${expected / 100}`,
              );
            }
            if (query.collaborative !== undefined && row.privateFundingEstimate !== null) {
              report.inconsistencies.push(
                `seed ${seed}: a collaborative-narrowed row ${id} shows a private figure`,
              );
            }
            if (shape.groupBy === 'theme,region,year' && Object.keys(shape).length === 1) {
              if (row.privateFundingEstimate !== null)
                shown.set(
                  `${row.year}#${row.theme}#${row.region}`,
                  Math.round(row.privateFundingEstimate * 100),
                );
            }
          }
          if (!reference) {
            reference = rows;
            continue;
          }
          for (const id of new Set([...rows.keys(), ...reference.keys()])) {
            if ((rows.get(id) ?? null) !== (reference.get(id) ?? null)) {
              report.inconsistencies.push(
                `seed ${seed} ${state.change} ${JSON.stringify(shape)}: row ${id} private figure ${rows.get(id)} as ${principal.funderId}[${principal.collaboratives}], ${reference.get(id)} as another caller`,
              );
            }
          }
        }
      }
      figures.push(shown);
    }

    // The estimates. What the coalition knows of a cell's private money: its own members' and the puppets'.
    const privateOf = (grants: WorldGrant[], cell: string, perturbed = false) => {
      const money = new Map<string, number>();
      for (const g of grants) {
        if (g.visibility !== 'private' || cellKey(g) !== cell) continue;
        const cents = perturbed ? Math.round(g.cents * noise(g.funder, g.id, g.year)) : g.cents;
        money.set(g.funder, (money.get(g.funder) ?? 0) + cents);
      }
      return money;
    };
    const record = (e: Omit<Estimate, 'error' | 'seed'>) => {
      if (e.truth === 0) return;
      report.estimates += 1;
      all.push({ ...e, seed, error: Math.abs(e.estimate - e.truth) / Math.abs(e.truth) });
    };
    const coalitions = (target: string) =>
      subsets(
        world.funders.filter((f) => f !== target),
        DEFAULT_PRIVACY.k - 1,
      );
    /** Per state, cell, target and coalition: the residual after removing what the coalition knows. */
    const residual = (s: number, cell: string, known: string[], exact: boolean) => {
      const y = figures[s]?.get(cell);
      if (y === undefined) return undefined;
      const money = privateOf(world.states[s]?.grants ?? [], cell);
      // Its own money, at face value or, its noise learned, exactly as it counts in the figure.
      const own = privateOf(world.states[s]?.grants ?? [], cell, exact);
      let out = y;
      for (const f of known) out -= own.get(f) ?? 0;
      return { value: out, unknown: [...money.keys()].filter((f) => !known.includes(f)).length };
    };
    world.states.forEach((state, s) => {
      for (const cell of figures[s]?.keys() ?? []) {
        const money = privateOf(state.grants, cell);
        for (const target of world.funders) {
          const truth = money.get(target) ?? 0;
          if (truth === 0) continue;
          for (const coalition of coalitions(target)) {
            report.coalitions += 1;
            const known = [...coalition, ...state.puppets];
            const face = residual(s, cell, known, false);
            const exact = residual(s, cell, known, true);
            if (!face || !exact) continue;
            const at = (method: string, estimate: number, unknown: number, learned: boolean) =>
              record({
                state: state.change,
                cell,
                target,
                coalition: known,
                method,
                unknown,
                learned,
                truth,
                estimate,
              });
            at('residual, own money at face value', face.value, face.unknown, false);
            at('residual, own noise learned', exact.value, exact.unknown, true);
            at(
              'residual shared among the unknown funders',
              exact.value / Math.max(1, exact.unknown),
              exact.unknown,
              true,
            );
            // Across states: the change between two states where the target had nothing in the other one. (A
            // grant the target publishes is public from then on: what stays protected is its private rest, which
            // the residual of that state estimates.)
            world.states.forEach((o, i) => {
              if (i === s) return;
              const other = residual(i, cell, known, true);
              if (!other) return;
              const mine = privateOf(state.grants, cell);
              const theirs = privateOf(o.grants, cell);
              const changed = [...new Set([...mine.keys(), ...theirs.keys()])].filter(
                (f) => !known.includes(f) && mine.get(f) !== theirs.get(f),
              ).length;
              if ((theirs.get(target) ?? 0) === 0) {
                at(`difference from state "${o.change}"`, exact.value - other.value, changed, true);
              }
            });
          }
        }
      }
    });
  }
  all.sort((a, b) => a.error - b.error);
  const alone = all.filter((e) => e.unknown === 1 && e.learned);
  report.closest = all.slice(0, 5);
  report.closestAlone = alone.slice(0, 5);
  report.within = all.filter((e) => e.error < bound);
  report.withinAlone = alone.filter((e) => e.error < bound);
  const middle = (DEFAULT_PRIVACY.noise.min + DEFAULT_PRIVACY.noise.max) / 2;
  for (const e of alone)
    for (const factor of [1 + middle, 1 - middle]) {
      report.rescaled.guesses += 1;
      if (Math.abs(e.estimate / factor - e.truth) / Math.abs(e.truth) < bound) report.rescaled.within += 1;
    }
  return report;
}

export { generateWorld };
