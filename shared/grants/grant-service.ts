// Grants: idempotent, versioned writes by the owner funder, and reads filtered by what the caller may see.
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import {
  BatchGrantItemSchema,
  BatchUpsertRequestSchema,
  type CountGrantsQuery,
  type GrantInput,
  type GrantView,
  type ListGrantsQuery,
  PutGrantRequestSchema,
  type StoredGrant,
  type WriteOutcome,
} from '../../schemas/grant.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { canAssignVisibility, canRead, readableSharedScopes, requireRole } from '../access/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { type AuditContext, newAuditEvent } from '../audit/audit-service.ts';
import { ConditionFailedError, isTransient } from '../db/conditions.ts';
import { funderGrantsPartition, INDEX, visibilityPartition } from '../db/keys.ts';
import {
  AppError,
  ConflictError,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import {
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  requireStartKeyWithin,
  toCursorKey,
} from '../pagination/cursor.ts';
import { fieldErrors, parseOrThrow } from '../validation.ts';
import { contentHash } from './content-hash.ts';
import type { GrantQuery, GrantRepository } from './grant-repository.ts';

/** Index queries one list or count request may make before it returns what it has with a cursor. */
export const MAX_QUERIES_PER_REQUEST = 8;
/** Items read per query when a filter may discard some, so a sparse filter still fills a page. */
const FILTERED_READ_SIZE = 100;
const BATCH_CONCURRENCY = 8;

type Scope = { kind: 'own' } | { kind: 'shared'; visibility: string };

export interface WriteResult {
  outcome: WriteOutcome;
  grant?: GrantView;
}

export function toGrantView(stored: StoredGrant): GrantView {
  if (!stored.record) throw new Error('a deleted grant has no view');
  return {
    funderId: stored.funderId,
    id: stored.grantId,
    version: stored.version,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    grant: stored.record,
  };
}

export function createGrantService(deps: { repo: GrantRepository; audit: AuditService; now?: () => Date }) {
  const { repo, audit } = deps;
  const now = deps.now ?? (() => new Date());

  function requireOwnFunder(principal: Principal, funderId: string, action: string, grantId: string) {
    requireRole(principal, 'editor', action, `grant:${funderId}/${grantId}`);
    if (funderId !== principal.funderId) {
      throw new ForbiddenError('You can only write grants of your own funder.', {
        action,
        resource: `grant:${funderId}/${grantId}`,
        reason: 'cross-funder write',
        alsoNotify: [funderId],
      });
    }
  }

  function checkVisibility(principal: Principal, input: GrantInput, prefix?: string): FieldError[] {
    if (canAssignVisibility(principal, input.visibility)) return [];
    return [
      {
        field: prefix ? `${prefix}.visibility` : 'visibility',
        message: `your funder is not a member of ${input.visibility.slice('collaborative:'.length)}`,
      },
    ];
  }

  /** Writes one validated record; returns 'unchanged' without writing when the content is the same. */
  /** The audit event is written in the same transaction as the version, so no write is ever unaudited. */
  async function writeRecord(
    ctx: AuditContext,
    input: GrantInput,
    ifMatch: number | undefined,
  ): Promise<{ outcome: WriteOutcome; stored?: StoredGrant }> {
    const { principal } = ctx;
    const current = await repo.getCurrent(principal.funderId, input.id);
    if (ifMatch !== undefined && (current?.version ?? 0) !== ifMatch) {
      throw new PreconditionFailedError(
        `If-Match was ${ifMatch} but the grant is at version ${current?.version ?? 0}.`,
      );
    }
    const hash = contentHash(input);
    if (current && !current.deleted && current.contentHash === hash) {
      return { outcome: 'unchanged', stored: current };
    }
    const at = now().toISOString();
    const stored: StoredGrant = {
      funderId: principal.funderId,
      grantId: input.id,
      version: (current?.version ?? 0) + 1,
      contentHash: hash,
      deleted: false,
      record: input,
      createdAt: current && !current.deleted ? current.createdAt : at,
      updatedAt: at,
      updatedBy: principal.memberId,
    };
    const outcome: WriteOutcome = current && !current.deleted ? 'updated' : 'created';
    const events = [
      newAuditEvent(ctx, {
        action: `grant.${outcome === 'created' ? 'create' : 'update'}`,
        resource: `grant:${principal.funderId}/${input.id}`,
        outcome: 'allowed',
        details: { version: stored.version },
      }),
    ];
    try {
      await repo.writeVersion(stored, current?.version ?? null, events);
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new ConflictError(
          'version_conflict',
          'The grant was changed by another request while this one was written; read it again and retry.',
        );
      }
      throw error;
    }
    return { outcome, stored };
  }

  function buildScopes(principal: Principal, query: CountGrantsQuery): Scope[] {
    const scopes: Scope[] = [];
    if (!query.funder || query.funder === principal.funderId) scopes.push({ kind: 'own' });
    if (query.funder !== principal.funderId) {
      for (const visibility of readableSharedScopes(principal)) {
        if (!query.visibility || query.visibility === visibility) scopes.push({ kind: 'shared', visibility });
      }
    }
    return scopes;
  }

  function yearBounds(query: CountGrantsQuery) {
    return { from: `${query.awardYearFrom ?? '0000'}-00`, to: `${query.awardYearTo ?? '9999'}-99` };
  }

  /** The index query for one scope: every key and filter derives from the principal, never the request alone. */
  function scopeQuery(
    principal: Principal,
    scope: Scope,
    query: CountGrantsQuery,
  ): Omit<GrantQuery, 'limit'> {
    const filters: GrantQuery['filters'] = [];
    if (query.theme)
      filters.push({ expression: 'contains(themes, :theme)', values: { ':theme': query.theme } });
    if (query.region)
      filters.push({ expression: 'contains(regions, :region)', values: { ':region': query.region } });
    if (query.recipient) {
      filters.push({
        expression: 'contains(recipientIds, :recipient)',
        values: { ':recipient': query.recipient },
      });
    }
    const years = yearBounds(query);
    const hasYears = query.awardYearFrom !== undefined || query.awardYearTo !== undefined;
    if (scope.kind === 'own') {
      if (query.visibility) {
        filters.push({ expression: 'visibility = :visibility', values: { ':visibility': query.visibility } });
      }
      return {
        indexName: INDEX.GSI1,
        partition: { attribute: 'GSI1PK', value: funderGrantsPartition(principal.funderId) },
        ...(hasYears ? { sortRange: { attribute: 'GSI1SK', from: years.from, to: years.to } } : {}),
        filters,
      };
    }
    if (query.funder) {
      return {
        indexName: INDEX.GSI2,
        partition: { attribute: 'GSI2PK', value: visibilityPartition(scope.visibility) },
        sortRange: {
          attribute: 'GSI2SK',
          from: `${query.funder}#${years.from}`,
          to: `${query.funder}#${years.to}`,
        },
        filters,
      };
    }
    // Own records shared more widely are already listed from the own scope.
    filters.push({ expression: 'funderId <> :me', values: { ':me': principal.funderId } });
    if (hasYears) {
      filters.push({
        expression: 'awardYear BETWEEN :yearFrom AND :yearTo',
        values: { ':yearFrom': query.awardYearFrom ?? 0, ':yearTo': query.awardYearTo ?? 9999 },
      });
    }
    return {
      indexName: INDEX.GSI2,
      partition: { attribute: 'GSI2PK', value: visibilityPartition(scope.visibility) },
      filters,
    };
  }

  function fingerprintOf(principal: Principal, query: CountGrantsQuery) {
    return queryFingerprint({ ...query, collaboratives: principal.collaboratives.join(',') });
  }

  function startKeyFor(q: Omit<GrantQuery, 'limit'>, key: Record<string, string | number> | null) {
    return requireStartKeyWithin(
      key,
      { [q.partition.attribute]: q.partition.value },
      q.sortRange
        ? { attribute: q.sortRange.attribute, prefix: commonPrefix(q.sortRange.from, q.sortRange.to) }
        : undefined,
    );
  }

  function checkYearRange(query: CountGrantsQuery) {
    if (
      query.awardYearFrom !== undefined &&
      query.awardYearTo !== undefined &&
      query.awardYearFrom > query.awardYearTo
    ) {
      throw new ValidationError([{ field: 'awardYearFrom', message: 'must not be after awardYearTo' }]);
    }
  }

  return {
    async put(
      ctx: AuditContext,
      funderId: string,
      grantId: string,
      body: unknown,
      ifMatch?: number,
    ): Promise<WriteResult> {
      requireOwnFunder(ctx.principal, funderId, 'grant.put', grantId);
      const parsed = parseOrThrow(PutGrantRequestSchema, body);
      if (parsed.id !== undefined && parsed.id !== grantId) {
        throw new ValidationError([{ field: 'id', message: `must match the id in the path (${grantId})` }]);
      }
      const input: GrantInput = { ...parsed, id: grantId };
      const visibilityErrors = checkVisibility(ctx.principal, input);
      if (visibilityErrors.length > 0) {
        throw new UnprocessableError(
          'visibility_not_allowed',
          'You cannot share with that collaborative.',
          visibilityErrors,
        );
      }
      const { outcome, stored } = await writeRecord(ctx, input, ifMatch);
      return { outcome, ...(stored ? { grant: toGrantView(stored) } : {}) };
    },

    /** Each item is validated and written on its own: a bad item never blocks or half-writes a good one. */
    async batchUpsert(ctx: AuditContext, body: unknown) {
      requireRole(ctx.principal, 'editor', 'grant.batch', `funder:${ctx.principal.funderId}/grants`);
      const { grants } = parseOrThrow(BatchUpsertRequestSchema, body);
      const seen = new Map<string, number>();
      const results: Array<{
        index: number;
        id: string | null;
        outcome: WriteOutcome;
        version?: number;
        code?: string;
        errors?: FieldError[];
      }> = new Array(grants.length);
      const valid: Array<{ index: number; input: GrantInput }> = [];
      grants.forEach((raw, index) => {
        const parsed = BatchGrantItemSchema.safeParse(raw);
        const rawId =
          typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string'
            ? raw.id
            : null;
        if (!parsed.success) {
          results[index] = {
            index,
            id: rawId,
            outcome: 'rejected',
            code: 'validation_failed',
            errors: fieldErrors(parsed.error, `grants.${index}`),
          };
          return;
        }
        const visibilityErrors = checkVisibility(ctx.principal, parsed.data, `grants.${index}`);
        if (visibilityErrors.length > 0) {
          results[index] = {
            index,
            id: rawId,
            outcome: 'rejected',
            code: 'visibility_not_allowed',
            errors: visibilityErrors,
          };
          return;
        }
        const earlier = seen.get(parsed.data.id);
        if (earlier !== undefined) {
          results[index] = {
            index,
            id: rawId,
            outcome: 'rejected',
            code: 'duplicate_in_batch',
            errors: [{ field: `grants.${index}.id`, message: `repeats the id of grants.${earlier}` }],
          };
          return;
        }
        seen.set(parsed.data.id, index);
        valid.push({ index, input: parsed.data });
      });

      let next = 0;
      const worker = async () => {
        while (next < valid.length) {
          const item = valid[next++];
          if (!item) break;
          try {
            const { outcome, stored } = await writeRecord(ctx, item.input, undefined);
            results[item.index] = {
              index: item.index,
              id: item.input.id,
              outcome,
              ...(stored ? { version: stored.version } : {}),
            };
          } catch (error) {
            if (isTransient(error)) {
              // The SDK already retried with backoff; report the item so the client can re-send it.
              results[item.index] = {
                index: item.index,
                id: item.input.id,
                outcome: 'rejected',
                code: 'temporarily_unavailable',
                errors: [
                  { field: `grants.${item.index}`, message: 'the table was busy; re-send this grant' },
                ],
              };
              continue;
            }
            if (!(error instanceof AppError)) throw error;
            results[item.index] = {
              index: item.index,
              id: item.input.id,
              outcome: 'rejected',
              code: error.code,
              errors: error.errors ?? [{ field: `grants.${item.index}`, message: error.message }],
            };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, valid.length) }, worker));

      const summary = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
      for (const r of results) {
        if (
          r.outcome === 'created' ||
          r.outcome === 'updated' ||
          r.outcome === 'unchanged' ||
          r.outcome === 'rejected'
        ) {
          summary[r.outcome] += 1;
        }
      }
      return { summary, results };
    },

    async get(ctx: AuditContext, funderId: string, grantId: string): Promise<GrantView> {
      const stored = await repo.getCurrent(funderId, grantId);
      if (!stored || stored.deleted || !stored.record)
        throw new NotFoundError(`Grant ${funderId}/${grantId}`);
      if (!canRead(ctx.principal, funderId, stored.record.visibility)) {
        // Same answer as for a grant that does not exist: the caller learns nothing.
        throw new NotFoundError(`Grant ${funderId}/${grantId}`, {
          action: 'grant.read',
          resource: `grant:${funderId}/${grantId}`,
          reason: `visibility ${stored.record.visibility}`,
          alsoNotify: [funderId],
        });
      }
      if (stored.record.visibility !== 'public' && stored.record.visibility !== 'hub') {
        await audit.record(ctx, {
          action: 'grant.read',
          resource: `grant:${funderId}/${grantId}`,
          outcome: 'allowed',
          details: { visibility: stored.record.visibility, version: stored.version },
        });
      }
      return toGrantView(stored);
    },

    /** Version history is the owner's: earlier versions may have had a narrower visibility. */
    async versions(ctx: AuditContext, funderId: string, grantId: string) {
      if (funderId !== ctx.principal.funderId) {
        throw new NotFoundError(`Grant ${funderId}/${grantId}`, {
          action: 'grant.versions',
          resource: `grant:${funderId}/${grantId}`,
          reason: 'history is owner-only',
        });
      }
      const versions = await repo.listVersions(funderId, grantId);
      if (versions.length === 0) throw new NotFoundError(`Grant ${funderId}/${grantId}`);
      return {
        items: versions.map((v) => ({
          version: v.version,
          deleted: v.deleted,
          updatedAt: v.updatedAt,
          updatedBy: v.updatedBy,
          contentHash: v.contentHash,
          grant: v.record,
        })),
      };
    },

    async remove(ctx: AuditContext, funderId: string, grantId: string, ifMatch?: number) {
      requireOwnFunder(ctx.principal, funderId, 'grant.delete', grantId);
      const current = await repo.getCurrent(funderId, grantId);
      if (!current || current.deleted) throw new NotFoundError(`Grant ${funderId}/${grantId}`);
      if (ifMatch !== undefined && current.version !== ifMatch) {
        throw new PreconditionFailedError(
          `If-Match was ${ifMatch} but the grant is at version ${current.version}.`,
        );
      }
      const at = now().toISOString();
      const tombstone: StoredGrant = {
        ...current,
        version: current.version + 1,
        contentHash: 'deleted',
        deleted: true,
        record: null,
        updatedAt: at,
        updatedBy: ctx.principal.memberId,
      };
      try {
        await repo.writeVersion(tombstone, current.version, [
          newAuditEvent(ctx, {
            action: 'grant.delete',
            resource: `grant:${funderId}/${grantId}`,
            outcome: 'allowed',
            details: { version: tombstone.version },
          }),
        ]);
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          throw new ConflictError(
            'version_conflict',
            'The grant changed while it was being deleted; read it again.',
          );
        }
        throw error;
      }
      return { outcome: 'deleted' as const, version: tombstone.version };
    },

    async list(ctx: AuditContext, query: ListGrantsQuery) {
      const { principal } = ctx;
      checkYearRange(query);
      const { limit, cursor: rawCursor, ...filters } = query;
      const scopes = buildScopes(principal, filters);
      const fingerprint = fingerprintOf(principal, filters);
      const cursor = rawCursor ? decodeCursor(rawCursor, principal.funderId, fingerprint) : undefined;
      let scopeIndex = cursor?.s ?? 0;
      let key = cursor?.k ?? null;
      if (scopeIndex > scopes.length) throw new AppError(400, 'invalid_cursor', 'Invalid cursor');
      const items: GrantView[] = [];
      let calls = 0;
      while (scopeIndex < scopes.length && items.length < limit && calls < MAX_QUERIES_PER_REQUEST) {
        const scope = scopes[scopeIndex];
        if (!scope) break;
        const q = scopeQuery(principal, scope, filters);
        const remaining = limit - items.length;
        const page = await repo.queryPage(
          {
            ...q,
            limit: q.filters.length > 0 ? FILTERED_READ_SIZE : remaining,
            startKey: startKeyFor(q, key),
          },
          'items',
        );
        calls += 1;
        let taken = 0;
        for (const { key: itemKey, grant } of page.items) {
          taken += 1;
          // Defence in depth: the query should only return readable grants; never trust that alone.
          if (grant.record && !grant.deleted && canRead(principal, grant.funderId, grant.record.visibility)) {
            items.push(toGrantView(grant));
          }
          if (items.length >= limit) {
            key = taken < page.items.length || page.lastKey ? itemKey : null;
            break;
          }
        }
        if (items.length >= limit) {
          if (key === null) scopeIndex += 1;
          break;
        }
        key = toCursorKey(page.lastKey as Record<string, NativeAttributeValue> | undefined);
        if (key === null) scopeIndex += 1;
      }
      const more = scopeIndex < scopes.length;
      return {
        items,
        nextCursor: more
          ? encodeCursor({ v: 1, f: principal.funderId, q: fingerprint, s: scopeIndex, k: key })
          : null,
      };
    },

    async count(ctx: AuditContext, query: CountGrantsQuery) {
      const { principal } = ctx;
      checkYearRange(query);
      let total = 0;
      let calls = 0;
      for (const scope of buildScopes(principal, query)) {
        const q = scopeQuery(principal, scope, query);
        let startKey: Record<string, NativeAttributeValue> | undefined;
        do {
          if (calls >= MAX_QUERIES_PER_REQUEST * 4) {
            throw new AppError(
              422,
              'query_too_costly',
              'Query too costly',
              'Narrow the count with more filters.',
            );
          }
          const page = await repo.queryPage({ ...q, limit: 1000, startKey }, 'count');
          calls += 1;
          total += page.count;
          startKey = page.lastKey;
        } while (startKey);
      }
      return { count: total };
    },
  };
}
export type GrantService = ReturnType<typeof createGrantService>;

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(0, i);
}
