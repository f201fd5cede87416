// Gap heat map: theme x region cells of GET /v1/gaps, shaded by total awarded, flagged where a funder is exiting
// or stopped; a cell opens its drill-down (one total for that theme and region, with the grantees that depend
// on one funder). Portfolio concentration per funder below.
import { useState } from 'preact/hooks';
import type { GapCellView, GapResponse } from '../../../schemas/gaps.ts';
import { getJson } from '../api.ts';
import { compactMoney, count, money, percent, REGIONS, regionLabel, THEMES, themeLabel } from '../format.ts';
import { useFunders } from '../funders.ts';
import type { Me } from '../main.tsx';
import { href } from '../router.ts';
import { YearRange } from '../taxonomy-inputs.tsx';
import { ErrorBox, FilterForm, Loading, Page, Select, TableHead, useLoad } from '../ui.tsx';

interface PortfolioResponse {
  items: Array<{
    funderId: string;
    totalAwarded: number;
    grants: number;
    grantees: number;
    largestGrantee: { orgId: string; name: string | null; amount: number; share: number } | null;
  }>;
}

function ordered(values: string[], known: readonly string[]): string[] {
  const extra = values.filter((v) => !known.includes(v)).sort();
  return [...known.filter((k) => values.includes(k)), ...extra];
}

export function GapsPage({ me }: { me: Me }) {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<{ theme: string; region: string } | null>(null);
  const map = useLoad(
    () => getJson<GapResponse>('/v1/gaps', { ...filters, groupBy: 'theme,region' }),
    [JSON.stringify(filters)],
  );
  const cells = map.data?.cells ?? [];
  const themes = ordered([...new Set(cells.map((c) => c.theme ?? '-'))], THEMES);
  const regions = ordered([...new Set(cells.map((c) => c.region ?? '-'))], REGIONS);
  const max = Math.max(1, ...cells.map((c) => c.totalAwarded));
  const cellAt = (theme: string, region: string) =>
    cells.find((c) => (c.theme ?? '-') === theme && (c.region ?? '-') === region);

  return (
    <Page title="Co-investment gaps">
      <FilterForm
        label="Filter the heat map"
        submit="Show"
        onFilters={(values) => {
          setSelected(null);
          setFilters(values);
        }}
      >
        <YearRange from="yearFrom" to="yearTo" />
        <Select
          label="Collaborative"
          name="collaborative"
          initial=""
          options={[['', 'All funders'], ...me.principal.collaboratives.map((c): [string, string] => [c, c])]}
        />
      </FilterForm>
      <ErrorBox error={map.error} />
      {map.loading && <Loading what="the heat map" />}
      {map.data && (
        <>
          <p class="muted small">
            Amounts in {map.data.fx.reportingCurrency} (FX table {map.data.fx.table}: {map.data.fx.source}),
            over the records you may read. Other funders' private money appears only as a perturbed figure in
            a cell's details, where at least {map.data.privacy.k} funders have some and none dominates. ⚑ a
            funder is exiting or has stopped granting here.
          </p>
          <p data-testid="heatmap-total">
            Total: {money(map.data.total.totalAwarded)} in {count(map.data.total.grants)} grants from{' '}
            {map.data.total.funders} funder{map.data.total.funders === 1 ? '' : 's'}. A grant with several
            themes or regions counts its share in each cell, as its money does, so the cells add up to this
            total.
          </p>
          {cells.length === 0 ? (
            <p>No grants you may see match these filters.</p>
          ) : (
            <div class="table-wrap">
              <table class="heatmap" data-testid="heatmap">
                <caption class="visually-hidden">Total awarded by theme (rows) and region (columns)</caption>
                <thead>
                  <tr>
                    <td />
                    {regions.map((r) => (
                      <th key={r} scope="col">
                        {regionLabel(r)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {themes.map((t) => (
                    <tr key={t}>
                      <th scope="row">{themeLabel(t)}</th>
                      {regions.map((r) => {
                        const cell = cellAt(t, r);
                        if (!cell) return <td key={r} class="empty" aria-label="nothing you may see" />;
                        const flagged = cell.exitingFunders.count > 0 || cell.stoppedFunders.length > 0;
                        const level = Math.ceil((Math.log1p(cell.totalAwarded) / Math.log1p(max)) * 5);
                        const isSelected = selected?.theme === t && selected.region === r;
                        return (
                          <td key={r} class={`heat-${level}`}>
                            <button
                              type="button"
                              aria-pressed={isSelected}
                              onClick={() => setSelected({ theme: t, region: r })}
                            >
                              <span class="visually-hidden">
                                {themeLabel(t)} in {regionLabel(r)}:{' '}
                              </span>
                              {compactMoney(cell.totalAwarded)}
                              <span class="small">
                                {cell.funders} funder{cell.funders === 1 ? '' : 's'}
                                {flagged && <span aria-hidden="true"> ⚑</span>}
                                {flagged && (
                                  <span class="visually-hidden">, a funder exiting or stopped</span>
                                )}
                              </span>
                            </button>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {selected && <DrillDown theme={selected.theme} region={selected.region} filters={filters} />}
      <Portfolios />
    </Page>
  );
}

function DrillDown({
  theme,
  region,
  filters,
}: {
  theme: string;
  region: string;
  filters: Record<string, string>;
}) {
  const funders = useFunders();
  const detail = useLoad(
    () =>
      getJson<GapResponse>('/v1/gaps', {
        ...filters,
        groupBy: '',
        theme: theme === '-' ? undefined : theme,
        region: region === '-' ? undefined : region,
      }),
    [theme, region, JSON.stringify(filters)],
  );
  const cell: GapCellView | undefined = detail.data?.cells[0];
  return (
    <section class="drilldown" aria-labelledby="drill-title" data-testid="drilldown">
      <h2 id="drill-title">
        {themeLabel(theme)} in {regionLabel(region)}
      </h2>
      <ErrorBox error={detail.error} />
      {detail.loading && <Loading what="the cell" />}
      {detail.data && !cell && <p>Nothing here you may see.</p>}
      {cell && (
        <>
          <dl class="facts">
            <dt>Total awarded</dt>
            <dd>
              {money(cell.totalAwarded)} in {count(cell.grants)} grants
            </dd>
            <dt>Private money, all funders</dt>
            <dd data-testid="private-estimate">
              {cell.privateFundingEstimate === null
                ? 'not shown (fewer than k funders have private money here, or one dominates)'
                : `about ${money(cell.privateFundingEstimate)} (perturbed: each funder's part by 15–30% either way)`}
            </dd>
            <dt>Funders</dt>
            <dd>
              {cell.funders}; top funder{' '}
              {cell.topFunder
                ? `${funders.name(cell.topFunder.funderId)} (${percent(cell.topFunder.share)})`
                : '–'}
              ; HHI {cell.hhi === null ? '–' : cell.hhi.toFixed(2)}
            </dd>
            <dt>Exiting or stopped</dt>
            <dd data-testid="exiting">
              {cell.exitingFunders.funderIds.map((f) => `${funders.name(f)} (exiting)`).join(', ') ||
                (cell.exitingFunders.count ? `${cell.exitingFunders.count} exiting` : 'none exiting')}
              {cell.stoppedFunders.length > 0 &&
                `; stopped: ${cell.stoppedFunders.map((s) => `${funders.name(s.funderId)} (last ${s.lastYear})`).join(', ')}`}
            </dd>
            <dt>Open asks</dt>
            <dd>
              {cell.openAsks.count} open ask{cell.openAsks.count === 1 ? '' : 's'},{' '}
              {money(cell.openAsks.unmet)} unmet
            </dd>
            {cell.contributionsToPooledFunds > 0 && (
              <>
                <dt>Contributions to pooled funds</dt>
                <dd>{money(cell.contributionsToPooledFunds)} (counted where the pooled fund grants them)</dd>
              </>
            )}
          </dl>
          <h3>Grantees depending on one funder for more than half their funding</h3>
          {cell.dependentGrantees && cell.dependentGrantees.count > 0 ? (
            <table data-testid="dependents">
              <TableHead columns={['Grantee', 'Depends on', ['Share', 'num'], ['Amount', 'num'], 'Risk']} />
              <tbody>
                {cell.dependentGrantees.items.map((d) => (
                  <tr key={d.orgId}>
                    <td>
                      <a href={href('organisations', d.orgId)}>{d.name ?? d.orgId}</a>
                    </td>
                    <td>{funders.name(d.funderId)}</td>
                    <td class="num">{percent(d.share)}</td>
                    <td class="num">{money(d.amount)}</td>
                    <td>{d.atRisk ? <strong class="risk">⚑ funder exiting or stopped</strong> : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>None.</p>
          )}
          {cell.dependentGrantees && cell.dependentGrantees.count > cell.dependentGrantees.items.length && (
            <p class="muted small">
              {cell.dependentGrantees.count} in all; the others depend on records you may not see, or are
              beyond the ten largest.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function Portfolios() {
  const funders = useFunders();
  const list = useLoad(() => getJson<PortfolioResponse>('/v1/gaps/portfolios'), []);
  return (
    <section aria-labelledby="portfolio-title">
      <h2 id="portfolio-title">Portfolio concentration</h2>
      <ErrorBox error={list.error} />
      {list.data && (
        <table>
          <TableHead
            columns={[
              'Funder',
              ['Total awarded', 'num'],
              ['Grantees', 'num'],
              'Largest grantee',
              ['Share', 'num'],
            ]}
          />
          <tbody>
            {list.data.items.map((p) => (
              <tr key={p.funderId}>
                <td>{funders.name(p.funderId)}</td>
                <td class="num">{money(p.totalAwarded)}</td>
                <td class="num">{p.grantees}</td>
                <td>{p.largestGrantee?.name ?? '–'}</td>
                <td class="num">{percent(p.largestGrantee?.share ?? null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
