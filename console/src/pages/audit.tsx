// Audit log (admins): who did or tried what to the funder's data, newest first, page by page.
import type { AuditEvent } from '../../../schemas/audit.ts';
import type { Me } from '../main.tsx';
import { ErrorBox, Loading, MorePages, Page, TableHead, usePages } from '../ui.tsx';

export function AuditPage({ me }: { me: Me }) {
  const events = usePages<AuditEvent>('/v1/audit', { limit: 50 });
  return (
    <Page title="Audit log">
      <p class="muted">
        Every write, export and denied access touching {me.funder.name}'s data, and reads of its private
        records.
      </p>
      <ErrorBox error={events.error} />
      {events.loading && <Loading what="the audit log" />}
      {events.ready && (
        <div class="table-wrap">
          <table data-testid="audit">
            <TableHead columns={['When (UTC)', 'Who', 'Action', 'Resource', 'Outcome']} />
            <tbody>
              {events.items.map((e) => (
                <tr key={e.eventId} class={e.outcome === 'denied' ? 'denied' : undefined}>
                  <td>{e.at.slice(0, 19).replace('T', ' ')}</td>
                  <td>
                    {e.actorMemberId ?? '–'} <span class="muted small">({e.actorFunderId})</span>
                  </td>
                  <td>{e.action}</td>
                  <td class="small">{e.resource}</td>
                  <td>
                    {e.outcome}
                    {e.reason ? <span class="muted small"> {e.reason}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MorePages pages={events} label="Show older events" />
    </Page>
  );
}
