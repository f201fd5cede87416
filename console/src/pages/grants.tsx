// Grants search: the list filters of GET /v1/grants, a count, pages on demand, links to the recipient's
// organisation, and the 360Giving export of exactly what the filters select.
import { useState } from 'preact/hooks';
import type { GrantView } from '../../../schemas/grant.ts';
import { getJson } from '../api.ts';
import { exportGrants, saveFile } from '../export.ts';
import { date, money } from '../format.ts';
import { useFunders } from '../funders.ts';
import type { Me } from '../main.tsx';
import { navigate } from '../router.ts';
import { TaxonomyFilters, YearRange } from '../taxonomy-inputs.tsx';
import {
  ErrorBox,
  FilterForm,
  formValues,
  Loading,
  MorePages,
  Page,
  Select,
  Status,
  TableHead,
  useLoad,
  usePages,
} from '../ui.tsx';

export function GrantsPage({ me }: { me: Me }) {
  const funders = useFunders();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const grants = usePages<GrantView>('/v1/grants', { ...filters, limit: 50 });
  const count = useLoad(
    () => getJson<{ count: number }>('/v1/grants/count', filters),
    [JSON.stringify(filters)],
  );
  // The count and the rows are shown together, never one query's count beside another's rows.
  const ready = grants.ready && count.data !== undefined && !count.loading;
  const rows = grants.items;
  const visibilities = [
    'private',
    'hub',
    'public',
    ...me.principal.collaboratives.map((c) => `collaborative:${c}`),
  ];

  return (
    <Page title="Grants">
      <FilterForm label="Filter grants" submit="Search" onFilters={setFilters}>
        <Select
          label="Funder"
          name="funder"
          initial=""
          options={[['', 'Any funder'], ...funders.list.map((f): [string, string] => [f.id, f.name])]}
        />
        <label>
          Recipient
          <input name="recipient" type="search" placeholder="name or identifier" />
        </label>
        <TaxonomyFilters />
        <Select
          label="Visibility"
          name="visibility"
          initial=""
          options={[['', 'Any you may see'], ...visibilities.map((v): [string, string] => [v, v])]}
        />
        <YearRange from="awardYearFrom" to="awardYearTo" />
      </FilterForm>

      <ExportPanel filters={filters} />
      <ErrorBox error={grants.error ?? count.error} />
      {(grants.loading || count.loading) && <Loading what="grants" />}
      {ready && (
        <>
          <Status>
            <span data-testid="grant-count">{count.data?.count.toLocaleString('en-GB')}</span> grants match;
            showing {rows.length.toLocaleString('en-GB')}.
          </Status>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Grants matching the filters</caption>
              <TableHead
                columns={['Funder', 'Title', 'Recipient', ['Amount', 'num'], 'Awarded', 'Visibility']}
              />
              <tbody>
                {rows.map((g) => (
                  <tr
                    key={`${g.funderId}/${g.id}`}
                    data-testid="grant-row"
                    data-funder={g.funderId}
                    data-grant={`${g.funderId}/${g.id}`}
                  >
                    <td>{funders.name(g.funderId)}</td>
                    <td>
                      <span class="title">{g.grant.title}</span>
                      <span class="muted small">{g.id}</span>
                    </td>
                    <td>
                      <RecipientLink grant={g} />
                    </td>
                    <td class="num">{money(g.grant.amountAwarded, g.grant.currency)}</td>
                    <td>{date(g.grant.awardDate)}</td>
                    <td>
                      <span class={`badge vis-${g.grant.visibility.split(':')[0]}`}>
                        {g.grant.visibility}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <MorePages pages={grants} label="Show more grants" />
        </>
      )}
    </Page>
  );
}

/** The recipient's hub organisation is looked up when asked for, not for every row of the list. */
function RecipientLink({ grant }: { grant: GrantView }) {
  const [error, setError] = useState<unknown>(null);
  const name = grant.grant.recipientOrganization?.[0]?.name ?? grant.grant.recipientIndividual?.name ?? '–';
  if (!grant.grant.recipientOrganization) return <span>{name}</span>;
  const open = async () => {
    try {
      const links = await getJson<{ items: Array<{ orgId: string }> }>(
        `/v1/grants/${encodeURIComponent(grant.funderId)}/${encodeURIComponent(grant.id)}/organisations`,
      );
      const orgId = links.items[0]?.orgId;
      if (orgId) navigate('organisations', orgId);
      else setError(new Error('Not resolved to an organisation yet; try again in a moment.'));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <button type="button" class="link" onClick={open}>
        {name}
      </button>
      {error !== null && <ErrorBox error={error} />}
    </>
  );
}

function ExportPanel({ filters }: { filters: Record<string, string> }) {
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const format = values.format === 'csv' ? 'csv' : 'json';
    const scope = values.scope === 'public' ? 'public' : 'visible';
    setError(null);
    setProgress('Exporting…');
    try {
      const { blob, grants } = await exportGrants({
        format,
        scope,
        filters,
        onProgress: (done) => setProgress(`Exporting… ${done.toLocaleString('en-GB')} grants so far`),
      });
      saveFile(blob, `cofund-${scope}-${new Date().toISOString().slice(0, 10)}.${format}`);
      setProgress(`Exported ${grants.toLocaleString('en-GB')} grants as 360Giving ${format.toUpperCase()}.`);
    } catch (e) {
      setProgress(null);
      setError(e);
    }
  };
  return (
    <form class="export" aria-label="Export as 360Giving" onSubmit={run}>
      <fieldset>
        <legend>Export these grants as 360Giving</legend>
        <label>
          <input type="radio" name="format" value="json" defaultChecked /> JSON
        </label>
        <label>
          <input type="radio" name="format" value="csv" /> CSV
        </label>
        <label>
          <input type="checkbox" name="scope" value="public" /> Open data only (visibility public)
        </label>
        <button type="submit" class="secondary">
          Export
        </button>
      </fieldset>
      {progress && <Status>{progress}</Status>}
      <ErrorBox error={error} />
    </form>
  );
}
