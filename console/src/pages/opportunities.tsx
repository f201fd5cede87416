// Opportunities board: the co-funding asks the caller may see with their derived unmet amounts, the caller's
// own pledge on each (interested -> committed -> paid, or withdrawn) and the suggested co-funders with reasons;
// editors and admins post new asks from it.
import { useRef, useState } from 'preact/hooks';
import type { OpportunityView } from '../../../schemas/opportunity.ts';
import { getJson, sendJson } from '../api.ts';
import { date, money, regionLabel, themeLabel } from '../format.ts';
import { useFunders } from '../funders.ts';
import type { Me } from '../main.tsx';
import { TaxonomyChecks, TaxonomyFilters } from '../taxonomy-inputs.tsx';
import { ErrorBox, FilterForm, formValues, Loading, Page, Select, Status, useLoad } from '../ui.tsx';

const CAN_WRITE = ['editor', 'admin'];

export function OpportunitiesPage({ me }: { me: Me }) {
  const [filters, setFilters] = useState<Record<string, string>>({ status: 'open' });
  const list = useLoad(
    () =>
      getJson<{ items: OpportunityView[]; nextCursor: string | null }>('/v1/opportunities', {
        ...filters,
        limit: 50,
      }),
    [JSON.stringify(filters)],
  );
  return (
    <Page title="Co-funding opportunities">
      {CAN_WRITE.includes(me.member.role) && <PostAsk me={me} onPosted={list.reload} />}
      <FilterForm label="Filter asks" submit="Show" onFilters={setFilters}>
        <Select
          label="Status"
          name="status"
          initial="open"
          options={[
            ['open', 'Open'],
            ['closed', 'Closed'],
            ['withdrawn', 'Withdrawn'],
            ['', 'Any'],
          ]}
        />
        <TaxonomyFilters />
      </FilterForm>
      <ErrorBox error={list.error} />
      {list.loading && <Loading what="asks" />}
      {list.data && list.data.items.length === 0 && <p>No asks you may see match.</p>}
      <ul class="cards">
        {list.data?.items.map((o) => (
          <li key={o.id}>
            <Ask initial={o} me={me} />
          </li>
        ))}
      </ul>
      {list.data?.nextCursor && <p class="muted">More asks match; narrow the filters to see them.</p>}
    </Page>
  );
}

/** The currencies offered first; the API takes any ISO 4217 code, and the gap figures convert those in its FX table. */
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'JPY'];

/**
 * A new ask. The hub checks every field and answers by field; a resubmission of the same ask (a double click, a
 * retry after a lost answer) carries the same Idempotency-Key, so it is posted once.
 */
function PostAsk({ me, onPosted }: { me: Me; onPosted: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [posted, setPosted] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The last submission's body and key, read and written in the same event (a ref, not state, so a second click
  // before the page re-renders still sees the first one's key).
  const last = useRef<{ body: string; key: string } | null>(null);
  const visibilities: Array<[string, string]> = [
    ['hub', 'Hub members'],
    ['public', 'Public (open data)'],
    ['private', 'Only my funder'],
    ...me.principal.collaboratives.map((c): [string, string] => [`collaborative:${c}`, `Collaborative ${c}`]),
  ];

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = formValues(form);
    const data = new FormData(form);
    const ask = {
      title: values.title ?? '',
      ...(values.description ? { description: values.description } : {}),
      recipient: {
        name: values.recipientName ?? '',
        ...(values.recipientIdentifier ? { identifier: values.recipientIdentifier } : {}),
      },
      themes: data.getAll('themes'),
      regions: data.getAll('regions'),
      currency: values.currency,
      budget: Number(values.budget ?? 0),
      amountSecured: Number(values.amountSecured ?? 0),
      deadline: values.deadline ?? '',
      visibility: values.visibility,
    };
    const body = JSON.stringify(ask);
    const key = last.current?.body === body ? last.current.key : crypto.randomUUID();
    last.current = { body, key };
    setError(null);
    setPosted(null);
    setBusy(true);
    try {
      const created = await sendJson<OpportunityView>('POST', '/v1/opportunities', ask, {
        idempotencyKey: key,
      });
      form.reset();
      last.current = null;
      setPosted(`Posted “${created.title}”: unmet ${money(created.unmet, created.currency)}.`);
      onPosted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="post-ask">
      <summary>Post an ask</summary>
      <form class="prefs" aria-label="Post an ask" onSubmit={submit}>
        <label>
          Title
          <input name="title" required maxLength={300} />
        </label>
        <label>
          Description
          <textarea name="description" maxLength={5000} rows={3} />
        </label>
        <label>
          Recipient organisation
          <input name="recipientName" required maxLength={1000} />
        </label>
        <label>
          Recipient identifier (org-id, optional)
          <input name="recipientIdentifier" maxLength={256} placeholder="GB-CHC-1234567" />
        </label>
        <TaxonomyChecks themes={[]} regions={[]} noneMeansAll={false} />
        <div class="inline">
          <Select
            label="Currency"
            name="currency"
            initial="USD"
            options={CURRENCIES.map((c): [string, string] => [c, c])}
          />
          <label>
            Budget
            <input name="budget" type="number" min="0" step="any" required />
          </label>
          <label>
            Already secured
            <input name="amountSecured" type="number" min="0" step="any" defaultValue="0" />
          </label>
          <label>
            Deadline
            <input name="deadline" type="date" required />
          </label>
          <Select label="Visible to" name="visibility" initial="hub" options={visibilities} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Posting…' : 'Post ask'}
        </button>
      </form>
      {posted && <Status>{posted}</Status>}
      <ErrorBox error={error} />
    </details>
  );
}

function Ask({ initial, me }: { initial: OpportunityView; me: Me }) {
  const funders = useFunders();
  const [ask, setAsk] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [showSuggestions, setShowSuggestions] = useState(false);
  const own = ask.funderId === me.funder.id;
  const myPledge = ask.pledges.find((p) => p.funderId === me.funder.id);
  const canPledge = !own && ask.status === 'open' && CAN_WRITE.includes(me.member.role);
  const headingId = `ask-${ask.id}`;

  const pledge = async (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    setError(null);
    setSaved(null);
    try {
      const updated = await sendJson<OpportunityView>(
        'PUT',
        `/v1/opportunities/${encodeURIComponent(ask.id)}/pledge`,
        {
          amount: Number(values.amount),
          status: values.status,
          ...(values.note ? { note: values.note } : {}),
        },
      );
      setAsk(updated);
      setSaved(`Your pledge is now ${values.status}.`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <article class="card" aria-labelledby={headingId} data-testid="ask">
      <h2 id={headingId}>{ask.title}</h2>
      <p class="muted small">
        {funders.name(ask.funderId)} for <strong>{ask.recipient.name}</strong> ·{' '}
        {ask.themes.map(themeLabel).join(', ')} · {ask.regions.map(regionLabel).join(', ')} · deadline{' '}
        {date(ask.deadline)} · {ask.visibility} · {ask.status}
      </p>
      {ask.description && <p>{ask.description}</p>}
      <dl class="money-line">
        <dt>Budget</dt>
        <dd>{money(ask.budget, ask.currency)}</dd>
        <dt>Secured</dt>
        <dd>{money(ask.amountSecured, ask.currency)}</dd>
        <dt>Committed + paid</dt>
        <dd>{money(ask.pledged.committed + ask.pledged.paid, ask.currency)}</dd>
        <dt>Interested</dt>
        <dd>{money(ask.pledged.interested, ask.currency)}</dd>
        <dt>Unmet</dt>
        <dd data-testid="unmet">
          <strong>{money(ask.unmet, ask.currency)}</strong>
        </dd>
      </dl>
      {ask.pledges.length > 0 && (
        <ul class="small" aria-label="Pledges">
          {ask.pledges.map((p) => (
            <li key={p.funderId}>
              {funders.name(p.funderId)}: {p.status} {money(p.amount, ask.currency)}
              {p.note ? ` (${p.note})` : ''}
            </li>
          ))}
        </ul>
      )}
      {canPledge && (
        <form class="inline" onSubmit={pledge} aria-label={`Pledge to ${ask.title}`}>
          <label>
            Amount ({ask.currency})
            <input
              name="amount"
              type="number"
              min="1"
              step="any"
              required
              defaultValue={myPledge ? String(myPledge.amount) : ''}
            />
          </label>
          <Select
            label="Pledge status"
            name="status"
            initial={myPledge?.status ?? 'interested'}
            options={[
              ['interested', 'Interested'],
              ['committed', 'Committed'],
              ['paid', 'Paid'],
              ['withdrawn', 'Withdrawn'],
            ]}
          />
          <label>
            Note
            <input name="note" maxLength={1000} />
          </label>
          <button type="submit">{myPledge ? 'Update pledge' : 'Pledge'}</button>
        </form>
      )}
      {saved && <Status>{saved}</Status>}
      <ErrorBox error={error} />
      <button
        type="button"
        class="link"
        aria-expanded={showSuggestions}
        onClick={() => setShowSuggestions((s) => !s)}
      >
        {showSuggestions ? 'Hide suggested co-funders' : 'Suggested co-funders'}
      </button>
      {showSuggestions && <Suggestions id={ask.id} />}
    </article>
  );
}

function Suggestions({ id }: { id: string }) {
  const funders = useFunders();
  const list = useLoad(
    () =>
      getJson<{ items: Array<{ funderId: string; score: number; reasons: string[] }> }>(
        `/v1/opportunities/${encodeURIComponent(id)}/suggestions`,
      ),
    [id],
  );
  if (list.loading) return <Loading what="suggestions" />;
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data?.items.length) return <p class="small">No funder's visible grants overlap this ask yet.</p>;
  return (
    <ol class="small">
      {list.data.items.map((s) => (
        <li key={s.funderId}>
          <strong>{funders.name(s.funderId)}</strong>: {s.reasons.join('; ')}
        </li>
      ))}
    </ol>
  );
}
