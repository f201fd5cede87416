// The threshold probe: the operator's two sock puppets each put L of private money in a cell where one funder
// (the target) alone has private money, and watch only whether the cell's private figure is shown or null while
// they move L. Were the k and p% rules judged on true amounts, the figure would appear exactly when the target's
// total X is at least p of L (L above X) or L at least p of X (L below X), so two binary searches over L would read
// X off the two edges. The oracle is the hub's own gap service (disclosure-world.ts), so the probe measures
// whatever rule the hub applies; `exactRuleOracle` is that rule judged on true amounts, the control that shows
// the probe does recover X where the rule leaks it.
import { GapQuerySchema } from '../../schemas/gaps.ts';
import { DEFAULT_PRIVACY, privateFigureAllowed } from '../../shared/gaps/gap-math.ts';
import { gapServiceOver, principalOf, random, type World, type WorldGrant } from './disclosure-world.ts';

/** Whether the cell shows a private figure with the target at `target` cents and each puppet at `puppet` cents. */
export type Oracle = (target: number, puppet: number) => Promise<boolean>;

const PUPPETS = ['puppet-a', 'puppet-b'];
const cell = { year: 2019, theme: 'education', region: 'africa' };

/** The hub's answers, the target's money being one private grant (its noise factor is the grant's). */
export function hubOracle(key: Buffer, targetFunder = 'target'): Oracle {
  const world: World = { seed: 0, funders: [targetFunder], collaboratives: new Map(), states: [] };
  const query = GapQuerySchema.parse({
    theme: 'education',
    region: 'africa',
    yearFrom: '2019',
    yearTo: '2019',
    groupBy: '',
  });
  return async (target, puppet) => {
    const grants: WorldGrant[] = [
      { id: 't', funder: targetFunder, ...cell, cents: target, visibility: 'private' },
      ...PUPPETS.map((p) => ({ id: p, funder: p, ...cell, cents: puppet, visibility: 'private' })),
    ];
    const answer = await gapServiceOver(world, grants, key).gaps(
      { principal: principalOf('hub-operator', []) },
      query,
    );
    return (answer.cells[0]?.privateFundingEstimate ?? null) !== null;
  };
}

/** The control: the same rules judged on the true amounts. */
export const exactRuleOracle: Oracle = async (target, puppet) => {
  const money = new Map<string, number>([
    ['target', target],
    ...PUPPETS.map((p) => [p, puppet] as [string, number]),
  ]);
  return privateFigureAllowed(money, DEFAULT_PRIVACY);
};

export interface ProbeResult {
  truth: number;
  /** Questions asked (each one a state of the puppets' grants). */
  probes: number;
  /** What the probe read off the upper and lower edges (cents), null when it found no edge. */
  fromUpper: number | null;
  fromLower: number | null;
  /** Relative errors of those estimates, and of their geometric mean. */
  errors: number[];
}

/** The attack as it was run: a coarse scan for where the figure shows, then 20 halvings at each edge. */
export async function probe(oracle: Oracle, truth: number, rule = DEFAULT_PRIVACY): Promise<ProbeResult> {
  let probes = 0;
  const ask = async (puppet: number) => {
    probes += 1;
    return oracle(truth, Math.max(100, Math.round(puppet)));
  };
  // $1,000 doubling to about $1bn.
  const scan: Array<{ at: number; shown: boolean }> = [];
  for (let at = 100_000; at <= 100_000 * 2 ** 20; at *= 2) scan.push({ at, shown: await ask(at) });
  const shown = scan.filter((s) => s.shown);
  const result: ProbeResult = { truth, probes: 0, fromUpper: null, fromLower: null, errors: [] };
  if (shown.length === 0) return { ...result, probes };
  const halve = async (inside: number, outside: number) => {
    let [a, b] = [inside, outside];
    for (let i = 0; i < 20; i += 1) {
      const mid = Math.sqrt(a * b);
      if (await ask(mid)) a = mid;
      else b = mid;
    }
    return Math.sqrt(a * b);
  };
  const top = shown[shown.length - 1]?.at ?? 0;
  const bottom = shown[0]?.at ?? 0;
  // Above X the figure shows while X >= p L; below X while L >= p X.
  const upper = await halve(top, top * 2);
  const lower = await halve(bottom, bottom / 2);
  result.fromUpper = Math.round(upper * rule.p);
  result.fromLower = Math.round(lower / rule.p);
  const both = Math.sqrt(result.fromUpper * result.fromLower);
  result.errors = [result.fromUpper, result.fromLower, both].map((e) => Math.abs(e - truth) / truth);
  return { ...result, probes };
}

/** Targets log-uniform between $10,000 and $2,000,000, from a seed. */
export function probeTargets(count: number, seed: number): number[] {
  const r = random(seed);
  return Array.from({ length: count }, () => Math.round(10 ** (4 + r.next() * 2.3)) * 100);
}
