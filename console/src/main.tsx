// The web console: sign in with an API key, then pages over the same public API the CLI uses. The key decides
// everything shown; the console adds no permissions of its own and keeps no data beyond the open tab.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { MeSchema } from '../../schemas/tenancy.ts';
import { ApiError, getJson, request, whenSignedOut } from './api.ts';
import { forgetFunders } from './funders.ts';
import { AuditPage } from './pages/audit.tsx';
import { DigestPage } from './pages/digest.tsx';
import { DuplicatesPage } from './pages/duplicates.tsx';
import { GapsPage } from './pages/gaps.tsx';
import { GrantsPage } from './pages/grants.tsx';
import { OpportunitiesPage } from './pages/opportunities.tsx';
import { OrganisationPage } from './pages/organisation.tsx';
import { href, type Route, useRoute } from './router.ts';
import { clearKey, readKey, saveKey } from './session.ts';
import { ErrorBox } from './ui.tsx';

export type Me = z.infer<typeof MeSchema>;

const PAGES: Array<{ page: string; label: string; adminOnly?: boolean }> = [
  { page: 'grants', label: 'Grants' },
  { page: 'organisations', label: 'Organisations' },
  { page: 'gaps', label: 'Gaps' },
  { page: 'opportunities', label: 'Opportunities' },
  { page: 'duplicates', label: 'Duplicates' },
  { page: 'digest', label: 'Digest' },
  { page: 'audit', label: 'Audit log', adminOnly: true },
];

function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice: string | null }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const key = String(new FormData(form).get('apiKey') ?? '').trim();
    if (!key) {
      setError(new Error('Enter your API key.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await getMeWith(key);
      saveKey(key);
      form.reset();
      onSignedIn(me);
    } catch (e) {
      setError(
        e instanceof ApiError && (e.status === 401 || e.status === 403)
          ? new Error(
              'The hub did not accept this API key. Check it was copied whole and has not been revoked.',
            )
          : e,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Donor data hub</h1>
      <p>Sign in with the API key your funder's admin gave you (or one printed by npm start).</p>
      {notice && <p class="notice">{notice}</p>}
      <form onSubmit={submit} aria-describedby="key-help">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          placeholder="cfd_…"
        />
        <p id="key-help" class="muted">
          Kept in this tab's session storage only; closing the tab signs you out.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}

async function getMeWith(key: string): Promise<Me> {
  return (await request('GET', '/v1/me', { key })).json() as Promise<Me>;
}

function Content({ route, me }: { route: Route; me: Me }) {
  switch (route.page) {
    case 'grants':
      return <GrantsPage me={me} />;
    case 'organisations':
      return <OrganisationPage orgId={route.params[0]} />;
    case 'gaps':
      return <GapsPage me={me} />;
    case 'opportunities':
      return <OpportunitiesPage me={me} />;
    case 'duplicates':
      return <DuplicatesPage me={me} pairId={route.params[0]} />;
    case 'digest':
      return <DigestPage />;
    case 'audit':
      return <AuditPage me={me} />;
    default:
      return <p>There is no page here. Choose one from the menu.</p>;
  }
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const route = useRoute();
  useEffect(() => {
    // A new page: move focus to its heading, as a screen reader user would expect from a page load.
    document.getElementById('page-title')?.focus();
  }, [route.page, route.params[0]]);
  const isAdmin = me.member.role === 'admin' || me.member.role === 'operator';
  return (
    <>
      {/* A button, not a link: in a hash-routed page "#main" would be read as a route. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Donor data hub</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.filter((p) => !p.adminOnly || isAdmin).map((p) => (
              <li key={p.page}>
                <a href={href(p.page)} aria-current={route.page === p.page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="signed-in-as">
            {me.member.name} · {me.funder.name} · {me.member.role}
          </span>
          <button type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Content route={route} me={me} />
      </main>
    </>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => readKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  // The next key may see other funders: nothing read with this one is kept.
  const signOut = (reason: string | null) => {
    clearKey();
    forgetFunders();
    setMe(null);
    setNotice(reason);
  };
  useEffect(() => {
    whenSignedOut(() => signOut('The hub no longer accepts your key (revoked or expired). Sign in again.'));
    if (!readKey()) return;
    getJson<Me>('/v1/me')
      .then(setMe, () => clearKey())
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p role="status">Checking your key…</p>;
  if (!me) {
    const signedIn = (m: Me) => {
      setNotice(null);
      setMe(m);
    };
    return <SignIn onSignedIn={signedIn} notice={notice} />;
  }
  return <Shell me={me} onSignOut={() => signOut(null)} />;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
