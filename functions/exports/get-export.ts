// GET /v1/exports: one page of 360Giving grants the caller may see, as JSON (a package) or CSV.
import { stringify } from 'csv-stringify/sync';
import { ExportQuerySchema } from '../../schemas/export.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';
import { grantToRow } from '../../shared/threesixty/csv-columns.ts';

export const handler = route({ query: ExportQuerySchema }, async ({ ctx, query }) => {
  const page = await getServices().exports.page(ctx, query);
  if (query.format === 'json') return { body: page };
  const rows = page.grants.map(grantToRow);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return {
    raw: stringify(rows, { header: true, columns }),
    contentType: 'text/csv; charset=utf-8',
    headers: {
      ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
      'x-schema-invalid': String(page.validation.invalid.length),
    },
  };
});
