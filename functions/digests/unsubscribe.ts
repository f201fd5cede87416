// GET and POST /v1/digests/unsubscribe?token=...: the signed link in every digest. GET only shows a button
// (mail scanners follow links); POST, from that button or a mail client's one-click unsubscribe, turns digests off.
import { UnsubscribeQuerySchema } from '../../schemas/digest.ts';
import { publicRoute } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

const page = (body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Donor data hub digests</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; max-width: 480px; margin: 40px auto;">${body}</body></html>
`;

export const handler = publicRoute({ query: UnsubscribeQuerySchema }, async ({ query, method, source }) => {
  if (method !== 'POST') {
    // A forged, edited or expired link gets its 400 here already, not a button that cannot work.
    await getServices().digests.checkUnsubscribe(query.token, source);
    return {
      raw: page(`<h1>Stop digests?</h1>
<form method="post" action="?token=${encodeURIComponent(query.token)}">
<button type="submit">Unsubscribe from donor data hub digests</button>
</form>`),
      headers: { 'cache-control': 'no-store' },
    };
  }
  await getServices().digests.unsubscribe(query.token, source);
  return {
    raw: page(
      '<h1>Unsubscribed</h1><p>You will get no more digests. Turn them back on with <code>PATCH /v1/me/digest-preferences</code>.</p>',
    ),
    headers: { 'cache-control': 'no-store' },
  };
});
