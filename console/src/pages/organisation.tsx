// Organisation page: the canonical organisation's names and identifiers, the funders of the records the caller
// may see, the totals with linked money counted once, and each record's link with its evidence.
import type { OrganisationView } from '../../../schemas/organisation.ts';
import { getJson } from '../api.ts';
import { date, money } from '../format.ts';
import { useFunders } from '../funders.ts';
import { navigate } from '../router.ts';
import { ErrorBox, FilterForm, Loading, Page, TableHead, useLoad } from '../ui.tsx';

export function OrganisationPage({ orgId }: { orgId: string | undefined }) {
  const funders = useFunders();
  const org = useLoad(
    () =>
      orgId
        ? getJson<OrganisationView>(`/v1/organisations/${encodeURIComponent(orgId)}`)
        : Promise.resolve(null),
    [orgId],
  );
  const title = org.data ? (org.data.names[0] ?? org.data.orgId) : 'Organisations';
  return (
    <Page title={title}>
      <FilterForm
        label="Open an organisation"
        submit="Open"
        onFilters={({ orgId: id }) => id && navigate('organisations', id)}
      >
        <label>
          Organisation id
          <input name="orgId" placeholder="org_…" defaultValue={orgId ?? ''} pattern="org_[0-9a-f-]{36}" />
        </label>
      </FilterForm>
      {!orgId && (
        <p class="muted">
          Open an organisation from a grant's recipient on the Grants page, or paste its id.
        </p>
      )}
      <ErrorBox error={org.error} />
      {org.loading && orgId && <Loading what="the organisation" />}
      {org.data && (
        <>
          <dl class="facts">
            <dt>Names</dt>
            <dd>{org.data.names.join(' · ')}</dd>
            <dt>Identifiers</dt>
            <dd>{org.data.identifiers.length ? org.data.identifiers.join(', ') : 'none registered'}</dd>
            <dt>Received (as far as you can see)</dt>
            <dd data-testid="org-totals">
              {org.data.totals.map((t) => money(t.amount, t.currency)).join(' + ') || '–'}{' '}
              <span class="muted">(linked re-uploads and pooled-fund contributions counted once)</span>
            </dd>
          </dl>
          <h2>Funders</h2>
          <table>
            <TableHead columns={['Funder', ['Grants', 'num'], ['Amount', 'num']]} />
            <tbody>
              {org.data.funders.map((f) => (
                <tr key={f.funderId} data-testid="org-funder">
                  <td>{funders.name(f.funderId)}</td>
                  <td class="num">{f.grants}</td>
                  <td class="num">{f.amounts.map((a) => money(a.amount, a.currency)).join(' + ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Records and how they were linked</h2>
          <div class="table-wrap">
            <table>
              <TableHead
                columns={[
                  'Funder',
                  'Grant',
                  'Name as reported',
                  ['Amount', 'num'],
                  'Awarded',
                  'Linked',
                  'Linked money',
                ]}
              />
              <tbody>
                {org.data.mentions.map((m) => (
                  <tr key={m.mentionId}>
                    <td>{funders.name(m.funderId)}</td>
                    <td class="small">{m.grantId}</td>
                    <td>
                      {m.name}
                      {m.identifiers.length > 0 && (
                        <span class="muted small"> {m.identifiers.join(', ')}</span>
                      )}
                    </td>
                    <td class="num">{money(m.amount, m.currency)}</td>
                    <td>{date(m.awardDate)}</td>
                    <td class="small">
                      {m.linkedThrough
                        ? `${m.linkedThrough.method === 'decision' ? 'decided by a person' : `scored ${m.linkedThrough.score?.toFixed(2)}`}: ${m.linkedThrough.evidence
                            .filter((e) => e.outcome === 'agree')
                            .map((e) => e.feature)
                            .join(', ')}`
                        : 'first record'}
                    </td>
                    <td class="small">
                      {m.moneyLink
                        ? `${m.moneyLink.kind === 'contribution' ? 'contribution to a pooled fund' : 're-upload'}, counted once (${m.moneyLink.evidence.join('; ')})`
                        : '–'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Page>
  );
}
