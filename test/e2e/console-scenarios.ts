// The web console in a real browser (Debian's Chromium through playwright-core) against a running hub: sign-in
// with a key kept out of the URL and storage, two funders each seeing only their own private grants, a pledge,
// a duplicate confirmed, the heat map with its drill-down, accessibility checks, and a screenshot of each page.
// Defined here and run by npm-start.test.ts against the `npm start` it launched.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchBrowser, screenshot } from '../support/browser.ts';

export interface ConsoleTarget {
  url: string;
  keys: Map<string, string>;
}

interface ApiAnswer<T> {
  status: number;
  body: T;
}

export function defineConsoleTests(target: () => ConsoleTarget) {
  describe('web console in Chromium', () => {
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    /** Script errors and CSP violations each page reported. */
    const problems = new WeakMap<Page, string[]>();
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
    });

    const key = (member: string) => {
      const value = target().keys.get(member);
      if (!value) throw new Error(`no demo key for ${member}`);
      return value;
    };
    const api = async <T>(member: string, path: string): Promise<ApiAnswer<T>> => {
      const res = await fetch(`${target().url}${path}`, {
        headers: { authorization: `Bearer ${key(member)}` },
      });
      return { status: res.status, body: (await res.json()) as T };
    };

    /** A fresh browser profile per member, as two people on two laptops. */
    async function open(): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
      contexts.push(context);
      const page = await context.newPage();
      const seen: string[] = [];
      page.on('pageerror', (error) => seen.push(error.message));
      page.on('console', (message) => {
        // A CSP violation or a script error shows here; a refused request (expected 403s) does not count.
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
          seen.push(message.text());
      });
      problems.set(page, seen);
      await page.goto(`${target().url}/`);
      return page;
    }
    const problemsOf = (page: Page) => problems.get(page) ?? [];

    async function signIn(page: Page, member: string) {
      await page.getByLabel('API key').fill(key(member));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-as').waitFor();
    }

    async function goTo(page: Page, name: string) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
    }

    it('is served beside the API with its security headers and a small bundle', async () => {
      const res = await fetch(`${target().url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${target().url}${script}`);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      // Nothing outside the build folder is served.
      expect((await fetch(`${target().url}/assets/..%2f..%2fdemo-keys.json`)).status).toBe(404);
    });

    it('refuses a wrong key with a clear message and keeps the key out of the URL and of lasting storage', async () => {
      const page = await open();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '01-sign-in');
      await page.getByLabel('API key').fill('cfd_0000000000000000_not-a-real-key-at-all-000000000000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('did not accept this API key');
      // Keyboard only: focus the field, type, press Enter.
      await page.getByLabel('API key').focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(key('osf-officer'));
      await page.keyboard.press('Enter');
      await page.getByTestId('signed-in-as').waitFor();
      expect(page.url()).not.toContain(key('osf-officer'));
      expect(await page.evaluate('localStorage.length')).toBe(0);
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(await page.evaluate("sessionStorage.getItem('cofund.apiKey')")).toBe(key('osf-officer'));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      expect(problemsOf(page)).toEqual([]);
    });

    it('returns to sign-in with a notice when the hub stops accepting the key (revoked in another window)', async () => {
      const res = await fetch(`${target().url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key('osf-viewer')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'console test', expiresInDays: 1 }),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { keyId: string; apiKey: string };
      const page = await open();
      await page.getByLabel('API key').fill(created.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-as').waitFor();
      const revoked = await fetch(`${target().url}/v1/keys/${created.keyId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${key('osf-viewer')}` },
      });
      expect(revoked.status).toBe(200);
      await goTo(page, 'Gaps');
      await page.getByText('The hub no longer accepts your key').waitFor();
      expect(await page.getByLabel('API key').isVisible()).toBe(true);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
    });

    it("shows each of two funders its own private grants and never the other's, even in the same tab", async () => {
      const seen: Record<string, string[]> = {};
      // One tab: OSF signs in, then out, then MacArthur signs in; nothing of OSF's session may carry over.
      const page = await open();
      for (const [member, funder] of [
        ['osf-officer', 'osf'],
        ['macarthur-officer', 'macarthur'],
      ] as const) {
        if (funder === 'macarthur') {
          await page.getByRole('button', { name: 'Sign out' }).click();
          await page.getByLabel('API key').waitFor();
        }
        await signIn(page, member);
        await page.getByRole('combobox', { name: /^Visibility/ }).selectOption('private');
        await page.getByRole('button', { name: 'Search' }).click();
        const expected = await api<{ count: number }>(member, '/v1/grants/count?visibility=private');
        await expect
          .poll(() => page.getByTestId('grant-count').textContent())
          .toBe(String(expected.body.count));
        const rows = page.getByTestId('grant-row');
        expect(await rows.count()).toBe(expected.body.count);
        expect(
          new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-funder')))),
        ).toEqual(new Set([funder]));
        seen[funder] = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-grant') ?? ''));
        if (funder === 'osf') {
          expect(await accessibilityViolations(page)).toEqual([]);
          await screenshot(page, '02-grants-private-osf');
        }
        expect(problemsOf(page)).toEqual([]);
      }
      expect(seen.osf?.length).toBeGreaterThan(1);
      expect(seen.macarthur?.length).toBeGreaterThan(0);
      // Neither list holds one of the other's private grants.
      for (const grant of seen.macarthur ?? []) expect(seen.osf).not.toContain(grant);
      // And with no filter, MacArthur's whole list holds none of OSF's private grants.
      await page.getByRole('combobox', { name: /^Visibility/ }).selectOption('');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect
        .poll(() => page.getByTestId('grant-count').textContent())
        .not.toBe(String(seen.macarthur?.length));
      const rowCount = () => page.getByTestId('grant-row').count();
      while (await page.getByRole('button', { name: 'Show more grants' }).isVisible()) {
        const shown = await rowCount();
        await page.getByRole('button', { name: 'Show more grants' }).click();
        await expect.poll(rowCount).toBeGreaterThan(shown);
      }
      const all = await page
        .getByTestId('grant-row')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-grant') ?? ''));
      expect(all.length).toBe(
        Number((await page.getByTestId('grant-count').textContent())?.replace(/,/g, '')),
      );
      expect(all.filter((grant) => (seen.osf ?? []).includes(grant))).toEqual([]);
      // ...while it does hold MacArthur's own private grant and OSF's shared ones.
      expect(all).toEqual(expect.arrayContaining(seen.macarthur ?? []));
      expect(all.some((grant) => grant.startsWith('osf/'))).toBe(true);
    });

    it('exports the grants on screen as 360Giving JSON', async () => {
      const page = await open();
      await signIn(page, 'osf-officer');
      await page.getByLabel('Funder').selectOption('osf');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.getByTestId('grant-count').textContent()).toBe('42');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export' }).click();
      const file = await (await download).path();
      const { readFileSync } = await import('node:fs');
      const exported = JSON.parse(readFileSync(file, 'utf8')) as { grants: Array<{ id: string }> };
      expect(exported.grants).toHaveLength(42);
      await page.getByText('Exported 42 grants as 360Giving JSON.').waitFor();
    });

    it('pledges to an opportunity and shows the unmet amount the hub derives', async () => {
      const page = await open();
      await signIn(page, 'macarthur-officer');
      await goTo(page, 'Opportunities');
      const ask = page
        .getByTestId('ask')
        .filter({ hasText: 'Legal defence for detained migrants in Mexico' });
      await ask.waitFor();
      await expect.poll(() => ask.getByTestId('unmet').textContent()).toBe('US$330,000');
      await ask.getByLabel('Amount (USD)').fill('100000');
      await ask.getByLabel('Pledge status').selectOption('committed');
      await ask.getByLabel('Note').fill('Board approved on 12 November');
      await ask.getByRole('button', { name: 'Pledge' }).click();
      await expect.poll(() => ask.getByRole('status').textContent()).toBe('Your pledge is now committed.');
      await expect.poll(() => ask.getByTestId('unmet').textContent()).toBe('US$230,000');
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '03-opportunities-pledged');
      // The asker sees the pledge through the API.
      const list = await api<{ items: Array<{ title: string; unmet: number; pledges: unknown[] }> }>(
        'osf-officer',
        '/v1/opportunities?status=open',
      );
      const mine = list.body.items.find((o) => o.title === 'Legal defence for detained migrants in Mexico');
      expect(mine?.unmet).toBe(230_000);
      expect(mine?.pledges).toEqual([
        expect.objectContaining({ funderId: 'macarthur', status: 'committed', amount: 100_000 }),
      ]);
      expect(problemsOf(page)).toEqual([]);
    });

    it('posts an ask from the board, names the field the hub refused, and posts it once', async () => {
      const page = await open();
      await signIn(page, 'alwf-officer');
      await goTo(page, 'Opportunities');
      await page.getByText('Post an ask', { exact: true }).click();
      const form = page.getByRole('form', { name: 'Post an ask' });
      const panel = page.locator('.post-ask');
      const title = 'Music workshops for young refugees in Calais';
      await form.getByLabel('Title').fill(title);
      await form.getByLabel('Recipient organisation').fill('Refugee Youth Service');
      await form.getByLabel('Arts & culture').check();
      await form.getByLabel('Europe', { exact: true }).check();
      await form.getByLabel('Currency').selectOption('GBP');
      await form.getByLabel('Budget').fill('60000');
      await form.getByLabel('Already secured').fill('75000');
      await form.getByLabel('Deadline').fill('2027-03-31');
      // Only ALWF may see it: the other scenarios' figures stay as they are.
      await form.getByLabel('Visible to').selectOption('private');
      await form.getByRole('button', { name: 'Post ask' }).click();
      // The hub refuses more secured than budget, naming the field, and nothing is posted.
      await expect
        .poll(() => panel.getByRole('alert').textContent())
        .toMatch(/amountSecured: must not exceed budget/);
      const listed = () =>
        api<{ items: Array<{ title: string; unmet: number; currency: string }> }>(
          'alwf-officer',
          '/v1/opportunities?status=open&theme=arts-culture&limit=50',
        ).then((r) => r.body.items.filter((o) => o.title === title));
      expect(await listed()).toEqual([]);
      await form.getByLabel('Already secured').fill('15000');
      // Two quick clicks: one ask.
      await form.getByRole('button', { name: 'Post ask' }).dblclick();
      await expect
        .poll(() => panel.getByRole('status').textContent())
        .toBe(`Posted “${title}”: unmet £45,000.`);
      const card = page.getByTestId('ask').filter({ hasText: title });
      await expect.poll(() => card.getByTestId('unmet').textContent()).toBe('£45,000');
      expect(await listed()).toEqual([expect.objectContaining({ unmet: 45_000, currency: 'GBP' })]);
      // Private to its funder: another funder does not see it.
      const others = await api<{ items: Array<{ title: string }> }>(
        'osf-officer',
        '/v1/opportunities?status=open&theme=arts-culture&limit=50',
      );
      expect(others.body.items.map((o) => o.title)).not.toContain(title);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '03b-opportunity-posted');
      expect(problemsOf(page)).toEqual([]);
    });

    it('confirms a duplicate after showing its evidence', async () => {
      const page = await open();
      await signIn(page, 'abct-officer');
      await goTo(page, 'Duplicates');
      const first = page.locator('ol.queue a').first();
      await first.waitFor();
      await first.click();
      const pairId = decodeURIComponent(page.url().split('/').pop() ?? '');
      await page.getByTestId('evidence').waitFor();
      expect(await page.getByTestId('evidence').locator('tbody tr').count()).toBeGreaterThan(2);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '04-duplicate-evidence');
      await page.getByLabel('Note (optional)').fill('Same law centre, renamed');
      await page.getByRole('button', { name: 'Confirm: same organisation' }).click();
      await expect.poll(() => page.getByTestId('pair-status').textContent()).toBe('confirmed');
      await screenshot(page, '05-duplicate-confirmed');
      const pair = await api<{ status: string; decidedBy: { memberId: string } }>(
        'abct-officer',
        `/v1/duplicates/${pairId}`,
      );
      expect(pair.body).toMatchObject({ status: 'confirmed', decidedBy: { memberId: 'abct-officer' } });
      expect(problemsOf(page)).toEqual([]);
    });

    it('renders the gap heat map from the demo data, with the drill-down flags and the organisation page', async () => {
      const page = await open();
      await signIn(page, 'osf-officer');
      await goTo(page, 'Gaps');
      const map = page.getByTestId('heatmap');
      await map.waitFor();
      const gaps = await api<{ cells: unknown[] }>('osf-officer', '/v1/gaps?groupBy=theme,region');
      expect(await map.locator('td button').count()).toBe(gaps.body.cells.length);
      const governanceGlobal = map.getByRole('button', { name: /^Governance in Global: / });
      expect(await governanceGlobal.textContent()).toMatch(/2 funders ⚑, a funder exiting or stopped$/);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '06-gaps-heat-map');
      // By keyboard: focus the cell and press Enter.
      await governanceGlobal.focus();
      await page.keyboard.press('Enter');
      expect(await governanceGlobal.getAttribute('aria-pressed')).toBe('true');
      const drill = page.getByTestId('drilldown');
      await drill.getByTestId('dependents').waitFor();
      expect(await drill.getByTestId('exiting').textContent()).toContain(
        'John D. and Catherine T. MacArthur Foundation (exiting)',
      );
      const gcm = drill.getByTestId('dependents').locator('tr', { hasText: 'Global Coalition' });
      expect(await gcm.textContent()).toContain('funder exiting or stopped');
      await screenshot(page, '07-gaps-drill-down');
      await drill.getByRole('link', { name: 'Migration Policy Institute' }).click();
      await page.getByTestId('org-totals').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(
        'Migration Policy Institute',
      );
      expect(await page.getByTestId('org-funder').count()).toBeGreaterThan(0);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '08-organisation');
      expect(problemsOf(page)).toEqual([]);
    });

    it('previews the digest and, for admins only, shows the audit log', async () => {
      const page = await open();
      await signIn(page, 'osf-admin');
      await goTo(page, 'Digest');
      await page.getByRole('heading', { name: 'Preferences' }).waitFor();
      await page.getByRole('cell', { name: 'sent' }).first().waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '09-digest');
      await goTo(page, 'Audit log');
      await page.getByTestId('audit').waitFor();
      expect(await page.getByTestId('audit').locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, '10-audit-log');
      expect(problemsOf(page)).toEqual([]);
      // An editor has no audit link, and the page itself says the hub refused.
      const editor = await open();
      await signIn(editor, 'osf-officer');
      expect(await editor.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      await editor.goto(`${target().url}/#/audit`);
      await expect.poll(() => editor.getByRole('alert').textContent()).toMatch(/admin/i);
      // Refused by a handler, not by the gateway: still signed in.
      expect(await editor.getByTestId('signed-in-as').isVisible()).toBe(true);
    });
  });
}
