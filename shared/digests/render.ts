// Turns a digest's content into an email: a subject, readable plain text and simple HTML (inline styles only,
// as mail clients strip the rest). Everything shown comes from the content, which the service built with the
// member's own permissions; nothing here reads data.
import type { DigestContent, DigestCounts } from '../../schemas/digest.ts';

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

export interface DigestLinks {
  unsubscribeUrl: string;
}

/** What a digest holds, by kind: recorded with each delivery, and all zero for a digest that is not sent. */
export function digestCounts(c: DigestContent): DigestCounts {
  return {
    grants: c.grants.total,
    opportunities: c.opportunities.length,
    pledges: c.pledges.length,
    duplicates: c.duplicates.count,
    gapChanges: c.gapChanges.newlyDependent.length + c.gapChanges.newlyExiting.length,
  };
}

export function isEmptyDigest(c: DigestContent): boolean {
  return Object.values(digestCounts(c)).every((n) => n === 0);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function money(amount: number | null, currency: string | null): string {
  if (amount === null) return 'amount not given';
  if (!currency) return amount.toLocaleString('en-GB');
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
      amount,
    );
  } catch {
    return `${amount.toLocaleString('en-GB')} ${currency}`;
  }
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const day = (iso: string) => iso.slice(0, 10);

interface Section {
  id: string;
  title: string;
  lines: string[];
  note?: string;
}

/** The sections both renderings share, as plain strings (escaped only when written as HTML). */
function sections(c: DigestContent): Section[] {
  const out: Section[] = [];
  const funder = (id: string) => c.funderNames[id] ?? id;
  if (c.grants.total > 0) {
    const shown = c.grants.items.length;
    out.push({
      id: 'grants',
      title: `New and changed grants (${c.grants.total}${c.grants.truncated ? '+' : ''})`,
      lines: c.grants.items.map(
        (g) =>
          `${g.change === 'new' ? 'New' : g.change === 'changed' ? 'Changed' : 'Withdrawn'}: ${g.title} - ` +
          `${money(g.amount, g.currency)} to ${g.recipient ?? 'an unnamed recipient'} (${funder(g.funderId)}` +
          `${g.awardDate ? `, awarded ${g.awardDate}` : ''})`,
      ),
      ...(c.grants.total > shown
        ? { note: `and ${c.grants.total - shown}${c.grants.truncated ? '+' : ''} more; see the grants list.` }
        : {}),
    });
  }
  if (c.opportunities.length > 0) {
    out.push({
      id: 'opportunities',
      title: `New co-funding asks (${c.opportunities.length})`,
      lines: c.opportunities.map(
        (o) =>
          `${o.title} for ${o.recipient} (${funder(o.funderId)}): ${money(o.unmet, o.currency)} unmet, deadline ${day(o.deadline)}`,
      ),
    });
  }
  if (c.pledges.length > 0) {
    out.push({
      id: 'pledges',
      title: `Pledges on your asks (${c.pledges.length})`,
      lines: c.pledges.map(
        (p) =>
          `${funder(p.funderId)} ${p.status} ${money(p.amount, p.currency)} on "${p.title}" (${day(p.at)})`,
      ),
    });
  }
  if (c.duplicates.count > 0) {
    out.push({
      id: 'duplicates',
      title: `New possible duplicates for your review (${c.duplicates.count})`,
      lines: c.duplicates.items.map((d) => d.summary),
      note: `${c.duplicates.waiting}${c.duplicates.more ? '+' : ''} pairs wait in your review queue in all.`,
    });
  }
  const gaps = c.gapChanges;
  if (gaps.newlyDependent.length > 0 || gaps.newlyExiting.length > 0) {
    out.push({
      id: 'gaps',
      title: 'Gaps that opened',
      lines: [
        ...gaps.newlyExiting.map((f) => `Funder exiting: ${f.name}`),
        ...gaps.newlyDependent.map(
          (d) =>
            `${d.name ?? d.orgId} now gets ${pct(d.share)} of its ${d.theme} funding from ${funder(d.funderId)}`,
        ),
      ],
    });
  }
  return out;
}

export function renderDigest(c: DigestContent, links: DigestLinks): RenderedDigest {
  const parts = sections(c);
  const subject = `Donor data hub digest for ${c.member.funderName}, ${day(c.windowFrom)} to ${day(c.windowTo)}`;
  const intro = `Hello ${c.member.name}, here is what changed in the donor data hub between ${day(c.windowFrom)} and ${day(c.windowTo)} that you may see.`;
  const prefs =
    `You get this ${c.preferences.frequency} digest for ` +
    (c.preferences.themes.length ? `themes ${c.preferences.themes.join(', ')}` : 'all themes') +
    ` in ${c.preferences.regions.length ? c.preferences.regions.join(', ') : 'all regions'}.`;
  const text = [
    intro,
    '',
    ...parts.flatMap((s) => [
      s.title,
      '-'.repeat(s.title.length),
      ...s.lines.map((l) => `* ${l}`),
      ...(s.note ? [s.note] : []),
      '',
    ]),
    prefs,
    `Unsubscribe: ${links.unsubscribeUrl}`,
    '',
  ].join('\n');

  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; max-width: 640px; margin: 0 auto; padding: 16px;">
<h1 style="font-size: 20px;">Donor data hub digest</h1>
<p>${escapeHtml(intro)}</p>
${parts
  .map(
    (s) => `<section id="${s.id}">
<h2 style="font-size: 16px; border-bottom: 1px solid #ccc;">${escapeHtml(s.title)}</h2>
<ul>
${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}
</ul>${s.note ? `\n<p>${escapeHtml(s.note)}</p>` : ''}
</section>`,
  )
  .join('\n')}
<p style="font-size: 12px; color: #555;">${escapeHtml(prefs)} <a href="${escapeHtml(links.unsubscribeUrl)}">Unsubscribe</a></p>
</body>
</html>
`;
  return { subject, text, html };
}
