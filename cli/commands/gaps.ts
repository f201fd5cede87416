// `cofund gaps`: co-investment gap cells and portfolio concentration as terminal tables.
import type { z } from 'zod';
import type { GapResponseSchema, PortfolioResponseSchema } from '../../schemas/gaps.ts';

type GapResponse = z.infer<typeof GapResponseSchema>;
type PortfolioResponse = z.infer<typeof PortfolioResponseSchema>;

const usd = (n: number) => `$${n.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const pct = (share: number) => `${Math.round(share * 100)}%`;

export function formatGaps(out: GapResponse): string {
  if (out.cells.length === 0) return 'No gap cells you may see match these filters.';
  const lines = out.cells.map((c) => {
    const where = [c.theme ?? 'all themes', c.region ?? 'all regions', c.year ?? 'all years'].join(' / ');
    const flags = [
      c.privateFundingEstimate !== null
        ? `all funders' private money here: about ${usd(c.privateFundingEstimate)} (perturbed, see README "Disclosure")`
        : '',
      c.exitingFunders.count > 0
        ? `exiting: ${c.exitingFunders.funderIds.join(', ') || ''}${c.exitingFunders.funderIds.length < c.exitingFunders.count ? ` (+${c.exitingFunders.count - c.exitingFunders.funderIds.length} not named)` : ''}`
        : '',
      c.stoppedFunders.length > 0
        ? `stopped: ${c.stoppedFunders.map((s) => `${s.funderId} (last ${s.lastYear})`).join(', ')}`
        : '',
    ].filter(Boolean);
    const dependents = (c.dependentGrantees?.items ?? []).map(
      (d) =>
        `      ${d.atRisk ? '! ' : '  '}${d.name ?? d.orgId}: ${pct(d.share)} from ${d.funderId} (${usd(d.amount)})`,
    );
    return [
      `${where}`,
      `    ${usd(c.totalAwarded).padStart(14)}  ${c.grants} grants, ${c.funders} funders` +
        (c.topFunder ? `, top ${c.topFunder.funderId} ${pct(c.topFunder.share)}` : '') +
        (c.hhi !== null ? `, HHI ${c.hhi}` : ''),
      ...(flags.length ? [`    ${flags.join('; ')}`] : []),
      ...(c.dependentGrantees && c.dependentGrantees.count > 0
        ? [`    ${c.dependentGrantees.count} grantee(s) get more than half from one funder:`, ...dependents]
        : []),
      ...(c.contributionsToPooledFunds > 0
        ? [`    ${usd(c.contributionsToPooledFunds)} contributed to pooled funds (counted where they grant)`]
        : []),
      ...(c.unconvertedGrants > 0 ? [`    ${c.unconvertedGrants} grant(s) not converted (no FX rate)`] : []),
      ...(c.openAsks.count > 0
        ? [`    ${c.openAsks.count} open ask(s), ${usd(c.openAsks.unmet)} unmet`]
        : []),
    ].join('\n');
  });
  return [
    ...lines,
    '',
    `Total: ${usd(out.total.totalAwarded)} in ${out.total.grants} grants from ${out.total.funders} funders, over the records you may read (each grant and dollar once; a grant with several themes or regions counts its share in each row).`,
    ...(out.total.privateFundingEstimate !== null
      ? [
          `Private money of all funders, perturbed: about ${usd(out.total.privateFundingEstimate)} (shown where at least ${out.privacy.k} funders have some and none dominates).`,
        ]
      : []),
    `Amounts in USD at yearly average rates (${out.fx.table}: ${out.fx.source}).` +
      (out.fx.provisionalYears.length ? ` Provisional rates for ${out.fx.provisionalYears.join(', ')}.` : ''),
    out.cells.some((c) => c.dependentGrantees === null)
      ? 'Name a theme (--theme) to see the grantees that depend on one funder.'
      : '! = the grantee depends on a funder that is exiting or has stopped granting here.',
  ].join('\n');
}

export function formatPortfolios(out: PortfolioResponse): string {
  if (out.items.length === 0) return 'No portfolios you may see match these filters.';
  return out.items
    .map((p) => {
      const largest = p.largestGrantee
        ? `largest grantee ${p.largestGrantee.name ?? p.largestGrantee.orgId}: ${pct(p.largestGrantee.share)} (${usd(p.largestGrantee.amount)})`
        : 'no grantee';
      return `${p.funderId}: ${usd(p.totalAwarded)} in ${p.grants} grants to ${p.grantees} grantees; ${largest}`;
    })
    .join('\n');
}
