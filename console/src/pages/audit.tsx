// Audit log (admins): who did or tried what to the funder's data, newest first, page by page.
import { useState } from 'preact/hooks';
import type { AuditEvent } from '../../../schemas/audit.ts';
import { getJson } from '../api.ts';
import type { Me } from '../main.tsx';
import { ErrorBox, Loading, Page, TableHead, useLoad } from '../ui.tsx';

interface AuditPageData {
  items: AuditEvent[];
  nextCursor: string | null;
}

export function AuditPage({ me }: { me: Me }) {
  const first = useLoad(() => getJson<AuditPageData>('/v1/audit', { limit: 50 }), []);
  const [more, setMore] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const next = cursor === undefined ? first.data?.nextCursor : cursor;
  const [busy, setBusy] = useState(false);
  const loadMore = async () => {
    if (!next || busy) return;
    setBusy(true);
    try {
      const page = await getJson<AuditPageData>('/v1/audit', { limit: 50, cursor: next });
      setMore((m) => [...m, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const rows = [...(first.data?.items ?? []), ...more];
  return (
    <Page title="Audit log">
      <p class="muted">
        Every write, export and denied access touching {me.funder.name}'s data, and reads of its private
        records.
      </p>
      <ErrorBox error={first.error} />
      {first.loading && <Loading what="the audit log" />}
      {first.data && (
        <div class="table-wrap">
          <table data-testid="audit">
            <TableHead columns={['When (UTC)', 'Who', 'Action', 'Resource', 'Outcome']} />
            <tbody>
              {rows.map((e) => (
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
      <ErrorBox error={error} />
      {next && (
        <button type="button" class="secondary" onClick={loadMore} disabled={busy} aria-busy={busy}>
          Show older events
        </button>
      )}
    </Page>
  );
}
