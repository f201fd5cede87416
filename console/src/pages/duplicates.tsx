// Duplicate review: the caller's queue of candidate duplicate organisations (most money first) and, for one
// pair, both records with the evidence (which features agreed, with their weights) and the decision buttons.
import { useState } from 'preact/hooks';
import type { DuplicateView } from '../../../schemas/organisation.ts';
import { getJson, sendJson } from '../api.ts';
import { money } from '../format.ts';
import { useFunders } from '../funders.ts';
import type { Me } from '../main.tsx';
import { href } from '../router.ts';
import { ErrorBox, formValues, Loading, Page, Status, TableHead, useLoad } from '../ui.tsx';

const FEATURE_LABELS: Record<string, string> = {
  registeredId: 'Registered identifier',
  name: 'Name',
  nameFuzzy: 'Similar name',
  fingerprint: 'Name fingerprint',
  tokens: 'Name words',
  acronym: 'Acronym',
  domain: 'Web domain',
  country: 'Country',
  postcode: 'Postcode',
};

export function DuplicatesPage({ me, pairId }: { me: Me; pairId: string | undefined }) {
  const queue = useLoad(
    () => getJson<{ items: DuplicateView[]; nextCursor: string | null }>('/v1/duplicates', { limit: 50 }),
    [],
  );
  return (
    <Page title="Duplicate review">
      <div class="split">
        <div>
          <h2>Waiting for review</h2>
          <ErrorBox error={queue.error} />
          {queue.loading && <Loading what="the review queue" />}
          {queue.data && queue.data.items.length === 0 && <p>Nothing waits for your review.</p>}
          <ol class="queue">
            {queue.data?.items.map((p) => (
              <li key={p.pairId}>
                <a
                  href={href('duplicates', p.pairId)}
                  aria-current={p.pairId === pairId ? 'true' : undefined}
                >
                  {p.a.name} / {p.b.name}
                </a>
                <span class="muted small">
                  {' '}
                  {p.kind === 'possible-successor' ? 'possible successor, ' : ''}score {p.score.toFixed(2)}
                </span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          {pairId ? (
            <Pair key={pairId} pairId={pairId} me={me} onDecided={queue.reload} />
          ) : (
            <p class="muted">Choose a pair to see the evidence.</p>
          )}
        </div>
      </div>
    </Page>
  );
}

function Pair({ pairId, me, onDecided }: { pairId: string; me: Me; onDecided: () => void }) {
  const funders = useFunders();
  const loaded = useLoad(
    () => getJson<DuplicateView>(`/v1/duplicates/${encodeURIComponent(pairId)}`),
    [pairId],
  );
  const [decided, setDecided] = useState<DuplicateView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const pair = decided ?? loaded.data;
  const canDecide = ['editor', 'admin'].includes(me.member.role);

  const decide = async (event: SubmitEvent) => {
    event.preventDefault();
    const submitter = event.submitter as HTMLButtonElement | null;
    const decision = submitter?.value;
    const { note } = formValues(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const result = await sendJson<DuplicateView>(
        'POST',
        `/v1/duplicates/${encodeURIComponent(pairId)}/decision`,
        {
          decision,
          ...(note ? { note } : {}),
        },
      );
      setDecided(result);
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (loaded.loading) return <Loading what="the pair" />;
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (!pair) return null;
  return (
    <section aria-labelledby="pair-title" data-testid="pair">
      <h2 id="pair-title">
        {pair.kind === 'possible-successor' ? 'Possible successor' : 'Possible duplicate'}: score{' '}
        {pair.score.toFixed(2)}
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Record A</th>
            <th scope="col">Record B</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Recipient as reported</th>
            <td>{pair.a.name}</td>
            <td>{pair.b.name}</td>
          </tr>
          <tr>
            <th scope="row">Funder</th>
            <td>{funders.name(pair.a.funderId)}</td>
            <td>{funders.name(pair.b.funderId)}</td>
          </tr>
          <tr>
            <th scope="row">Grant</th>
            <td class="small">{pair.a.grantId}</td>
            <td class="small">{pair.b.grantId}</td>
          </tr>
          <tr>
            <th scope="row">Amount</th>
            <td>{money(pair.a.amount, pair.a.currency)}</td>
            <td>{money(pair.b.amount, pair.b.currency)}</td>
          </tr>
          <tr>
            <th scope="row">Organisation</th>
            <td>
              <a href={href('organisations', pair.a.orgId)}>open</a>
            </td>
            <td>
              <a href={href('organisations', pair.b.orgId)}>open</a>
            </td>
          </tr>
        </tbody>
      </table>
      <h3>Evidence</h3>
      <table data-testid="evidence">
        <TableHead columns={['Feature', 'Outcome', ['Weight', 'num']]} />
        <tbody>
          {pair.evidence.map((e) => (
            <tr key={e.feature} class={`outcome-${e.outcome}`}>
              <td>{FEATURE_LABELS[e.feature] ?? e.feature}</td>
              <td>{e.outcome}</td>
              <td class="num">{e.weight.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pair.status === 'open' ? (
        canDecide ? (
          <form class="decision" onSubmit={decide} aria-label="Decide">
            <label>
              Note (optional)
              <textarea name="note" maxLength={2000} rows={2} />
            </label>
            <div class="buttons">
              <button type="submit" name="decision" value="confirm" disabled={busy}>
                Confirm: same organisation
              </button>
              <button type="submit" name="decision" value="reject" class="secondary" disabled={busy}>
                Reject: different organisations
              </button>
              <button type="submit" name="decision" value="split" class="secondary" disabled={busy}>
                Split my record out
              </button>
            </div>
          </form>
        ) : (
          <p class="muted">Viewers can read the evidence; an editor decides.</p>
        )
      ) : (
        <Status>
          <span data-testid="pair-status">{pair.status}</span>
          {pair.decidedBy ? ` by ${pair.decidedBy.memberId} (${funders.name(pair.decidedBy.funderId)})` : ''}
          {pair.decidedAt ? ` on ${pair.decidedAt.slice(0, 10)}` : ''}
          {pair.note ? `: ${pair.note}` : ''}
        </Status>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
