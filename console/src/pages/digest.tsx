// Digest: what the member's next digest would say now (the e-mail's own HTML in a sandboxed frame, and its plain
// text), the member's digest preferences, and the delivery status of past digests.
import { useState } from 'preact/hooks';
import type { DigestPreferences, DigestView } from '../../../schemas/digest.ts';
import { getJson, sendJson } from '../api.ts';
import { TaxonomyChecks } from '../taxonomy-inputs.tsx';
import { ErrorBox, Loading, Page, Select, Status, TableHead, useLoad } from '../ui.tsx';

interface Preview {
  empty: boolean;
  subject: string;
  text: string;
  html: string;
}

export function DigestPage() {
  const preview = useLoad(() => getJson<Preview>('/v1/digests/preview'), []);
  return (
    <Page title="Digest">
      <h2>Your next digest, as it stands</h2>
      <ErrorBox error={preview.error} />
      {preview.loading && <Loading what="the preview" />}
      {preview.data &&
        (preview.data.empty ? (
          <p>Nothing new for you since your last digest: no message would be sent.</p>
        ) : (
          <>
            <p>
              Subject: <strong data-testid="digest-subject">{preview.data.subject}</strong>
            </p>
            <iframe
              class="digest"
              title="Digest preview (HTML)"
              sandbox=""
              referrerpolicy="no-referrer"
              srcdoc={preview.data.html}
            />
            <details>
              <summary>Plain-text version</summary>
              <pre>{preview.data.text}</pre>
            </details>
          </>
        ))}
      <Preferences onSaved={preview.reload} />
      <Deliveries />
    </Page>
  );
}

function Preferences({ onSaved }: { onSaved: () => void }) {
  const loaded = useLoad(() => getJson<DigestPreferences>('/v1/me/digest-preferences'), []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    setSaved(false);
    try {
      await sendJson('PATCH', '/v1/me/digest-preferences', {
        frequency: data.get('frequency'),
        themes: data.getAll('themes'),
        regions: data.getAll('regions'),
      });
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  const prefs = loaded.data;
  return (
    <section aria-labelledby="prefs-title">
      <h2 id="prefs-title">Preferences</h2>
      <ErrorBox error={loaded.error} />
      {prefs && (
        <form class="prefs" onSubmit={save}>
          <Select
            label="Frequency"
            name="frequency"
            initial={prefs.frequency}
            options={[
              ['daily', 'Daily'],
              ['weekly', 'Weekly'],
              ['off', 'Off'],
            ]}
          />
          <TaxonomyChecks themes={prefs.themes} regions={prefs.regions} />
          <button type="submit">Save preferences</button>
          {saved && <Status>Saved.</Status>}
          <ErrorBox error={error} />
        </form>
      )}
    </section>
  );
}

function Deliveries() {
  const list = useLoad(() => getJson<{ items: DigestView[] }>('/v1/digests', { limit: 25 }), []);
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Delivery status</h2>
      <ErrorBox error={list.error} />
      {list.data && list.data.items.length === 0 && <p>No digests yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <table>
          <TableHead columns={['Period', 'Member', 'Status', ['Attempts', 'num'], 'Sent']} />
          <tbody>
            {list.data.items.map((d) => (
              <tr key={`${d.period}/${d.memberId}`}>
                <td>{d.period}</td>
                <td>{d.memberId}</td>
                <td>{d.status}</td>
                <td class="num">{d.attempts}</td>
                <td>{d.sentAt?.slice(0, 16).replace('T', ' ') ?? (d.lastError ? d.lastError : '–')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
