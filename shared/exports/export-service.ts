// Exports what the caller may see as 360Giving, page by page, validated against the official schema and audited.
import type { ExportPage, ExportQuery } from '../../schemas/export.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { ValidationError } from '../errors.ts';
import type { GrantService } from '../grants/grant-service.ts';
import { toPublishedGrant } from '../threesixty/published.ts';
import { GRANT_SCHEMA } from '../threesixty/standard-schema.ts';
import { validateGrant } from '../threesixty/validate.ts';

export function createExportService(deps: { grants: GrantService; audit: AuditService }) {
  const { grants, audit } = deps;
  return {
    async page(ctx: AuditContext, query: ExportQuery): Promise<ExportPage> {
      const { format: _format, scope, ...listQuery } = query;
      if (scope === 'public' && listQuery.visibility && listQuery.visibility !== 'public') {
        throw new ValidationError([
          { field: 'query.visibility', message: 'must be public (or absent) when scope is public' },
        ]);
      }
      const page = await grants.list(ctx, {
        ...listQuery,
        ...(scope === 'public' ? { visibility: 'public' } : {}),
      });
      const published = page.items.map((g) => toPublishedGrant(g.grant));
      const invalid = published.flatMap((g, i) => {
        const errors = validateGrant(g);
        return errors.length > 0 ? [{ id: page.items[i]?.id ?? '', errors }] : [];
      });
      await audit.record(ctx, {
        action: 'grant.export',
        resource: `funder:${ctx.principal.funderId}/exports`,
        outcome: 'allowed',
        details: {
          scope,
          filters: Object.fromEntries(
            Object.entries(listQuery).filter(([k]) => k !== 'cursor' && k !== 'limit'),
          ),
          continued: Boolean(query.cursor),
          grants: published.length,
          owners: [...new Set(page.items.map((g) => g.funderId))],
        },
      });
      return {
        grants: published,
        nextCursor: page.nextCursor,
        validation: { schema: String(GRANT_SCHEMA.$id), valid: published.length - invalid.length, invalid },
      };
    },
  };
}
export type ExportService = ReturnType<typeof createExportService>;
