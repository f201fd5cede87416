// Grants: idempotent, versioned writes by the owner funder, and reads filtered by what the caller may see.
import { randomBytes } from 'node:crypto';
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
  InvalidCursorError,
  NotFoundError,
  PreconditionFailedError,
  shownValue,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import {
  cursorOwner,
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  requireStartKeyWithin,
  toCursorKey,
} from '../pagination/cursor.ts';
import { toPublishedGrant } from '../threesixty/published.ts';
import { standardProblems } from '../threesixty/validate.ts';
import { fieldErrors, parseOrThrow } from '../validation.ts';
import { contentHash } from './content-hash.ts';
import { checkFundingOrganisation, type FundingDirectory, fundingIdsOf } from './funding-organisation.ts';
import type { GrantQuery, GrantRepository, VersionWrite } from './grant-repository.ts';

/** Index queries one list or count request may make before it returns what it has with a cursor. */
export const MAX_QUERIES_PER_REQUEST = 8;
/** Items read per query when a filter may discard some, so a sparse filter still fills a page. */
const FILTERED_READ_SIZE = 100;

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

export function createGrantService(deps: {
  repo: GrantRepository;
  audit: AuditService;
  funding: FundingDirectory;
  now?: () => Date;
}) {
  const { repo, audit } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * What the hub checks beyond the request schema, so nothing gets in that its own 360Giving export would refuse
   * or that is another funder's grant: the official schema (URLs, dates, codelists) and fundingOrganization.
   */
  async function admissible(
    input: GrantInput,
    prefix: string,
    writer: Awaited<ReturnType<FundingDirectory['identities']>>,
  ) {
    const at = (field: string) => `${prefix}${field}`;
    const errors: FieldError[] = standardProblems(toPublishedGrant(input)).map((p) => {
      const value = shownValue(p.value);
      return { field: at(p.field), message: p.message, ...(value !== undefined ? { value } : {}) };
    });
    if (errors.length > 0) return { code: 'validation_failed', errors, warnings: [] };
    const funding = checkFundingOrganisation(input.fundingOrganization, writer, prefix);
    if (funding.error)
      return { code: 'funding_organisation_mismatch', errors: [funding.error], warnings: [] };
    return { code: null, errors: [], warnings: funding.warning ? [funding.warning] : [] };
  }

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
        value: input.visibility,
      },
    ];
  }

  /** What writing `input` over `current` means: nothing (unchanged) or the next version. */
  function planWrite(
    principal: Principal,
    input: GrantInput,
    current: StoredGrant | null,
    at: string,
    uploadId: string,
  ) {
    const hash = contentHash(input);
    if (current && !current.deleted && current.contentHash === hash) {
      return { outcome: 'unchanged' as const, stored: current };
    }
    const exists = current !== null && !current.deleted;
    const next: StoredGrant = {
      funderId: principal.funderId,
      grantId: input.id,
      version: (current?.version ?? 0) + 1,
      contentHash: hash,
      deleted: false,
      record: input,
      uploadId,
      firstUploadId: exists ? (current.firstUploadId ?? current.uploadId ?? uploadId) : uploadId,
      createdAt: exists ? current.createdAt : at,
      updatedAt: at,
      updatedBy: principal.memberId,
    };
    return { outcome: exists ? ('updated' as const) : ('created' as const), stored: next, previous: current };
  }

  const conflict = () =>
    new ConflictError(
      'version_conflict',
      'The grant was changed by another request while this one was written; read it again and retry.',
    );

  /** One grant on its own: the audit event is in the same transaction, so no write is ever unaudited. */
  async function writeRecord(
    ctx: AuditContext,
    input: GrantInput,
    ifMatch: number | undefined,
    uploadId: string,
  ): Promise<{ outcome: WriteOutcome; stored?: StoredGrant }> {
    const { principal } = ctx;
    const current = await repo.getCurrent(principal.funderId, input.id);
    if (ifMatch !== undefined && (current?.version ?? 0) !== ifMatch) {
      throw new PreconditionFailedError(
        `If-Match was ${ifMatch} but the grant is at version ${current?.version ?? 0}.`,
      );
    }
    const plan = planWrite(principal, input, current, now().toISOString(), uploadId);
    if (plan.outcome === 'unchanged') return plan;
    const event = newAuditEvent(ctx, {
      action: `grant.${plan.outcome === 'created' ? 'create' : 'update'}`,
      resource: `grant:${principal.funderId}/${input.id}`,
      outcome: 'allowed',
      details: { version: plan.stored.version },
    });
    try {
      await repo.writeVersions([{ next: plan.stored, previous: plan.previous }], [event]);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw conflict();
      throw error;
    }
    return { outcome: plan.outcome, stored: plan.stored };
  }

  /**
   * Writes the planned grants of a batch in as few transactions as the limits allow, each with one
   * audit event naming every grant and version it wrote. A transaction that loses a race to another
   * writer is retried grant by grant, so one conflict never blocks the rest.
   */
  async function commitBatch(
    ctx: AuditContext,
    planned: Array<{ index: number; write: VersionWrite; outcome: 'created' | 'updated' }>,
    report: (index: number, result: BatchItemResult) => void,
    uploadId: string,
  ) {
    const groups: (typeof planned)[] = [];
    let group: typeof planned = [];
    let items = 0;
    let bytes = 0;
    for (const entry of planned) {
      const cost = entry.write.previous ? 2 : 1;
      const size = 2 * JSON.stringify(entry.write.next.record).length;
      if (
        group.length > 0 &&
        (items + cost > MAX_TRANSACTION_ITEMS - 1 || bytes + size > MAX_TRANSACTION_BYTES)
      ) {
        groups.push(group);
        group = [];
        items = 0;
        bytes = 0;
      }
      group.push(entry);
      items += cost;
      bytes += size;
    }
    if (group.length > 0) groups.push(group);

    await runLimited(groups, TRANSACTION_CONCURRENCY, async (g) => {
      const event = newAuditEvent(ctx, {
        action: 'grant.batch',
        resource: `funder:${ctx.principal.funderId}/grants`,
        outcome: 'allowed',
        details: {
          written: g.map(
            (e) => `${e.outcome === 'created' ? '+' : '~'}${e.write.next.grantId}@${e.write.next.version}`,
          ),
        },
      });
      try {
        await repo.writeVersions(
          g.map((e) => e.write),
          [event],
        );
        for (const e of g)
          report(e.index, {
            index: e.index,
            id: e.write.next.grantId,
            outcome: e.outcome,
            version: e.write.next.version,
          });
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          for (const e of g) {
            await settle(e.index, e.write.next.grantId, report, async () => {
              const input = e.write.next.record;
              if (!input) throw new Error('planned write without a record');
              const { outcome, stored } = await writeRecord(ctx, input, undefined, uploadId);
              return { outcome, ...(stored ? { version: stored.version } : {}) };
            });
          }
          return;
        }
        if (refusedByTable(error)) {
          // DynamoDB refused the request as a whole (an item it will not keep, however our checks missed it):
          // each grant alone, so only the one it refuses is rejected, by row, and the others are written.
          for (const e of g) {
            await settle(e.index, e.write.next.grantId, report, async () => {
              const input = e.write.next.record;
              if (!input) throw new Error('planned write without a record');
              try {
                const { outcome, stored } = await writeRecord(ctx, input, undefined, uploadId);
                return { outcome, ...(stored ? { version: stored.version } : {}) };
              } catch (alone) {
                if (!refusedByTable(alone)) throw alone;
                throw new ValidationError([
                  {
                    field: `grants.${e.index}`,
                    message: `could not be stored: the table refused it (${(alone as Error).message})`,
                  },
                ]);
              }
            });
          }
          return;
        }
        if (!isTransient(error)) throw error;
        for (const e of g) report(e.index, busy(e.index, e.write.next.grantId));
      }
    });
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
      const checked = await admissible(
        input,
        '',
        await deps.funding.identities(ctx.principal.funderId, fundingIdsOf([input])),
      );
      if (checked.code === 'validation_failed') throw new ValidationError(checked.errors);
      if (checked.code) {
        throw new UnprocessableError(
          checked.code,
          'The grant is not your funder’s to write.',
          checked.errors,
        );
      }
      // One PUT is an upload of its own. An item the table refuses (however our checks missed it) is the
      // client's: a 400 naming the grant, as a batch row would be, never a 500.
      const { outcome, stored } = await writeRecord(ctx, input, ifMatch, newUploadId()).catch((error) => {
        if (!refusedByTable(error)) throw error;
        throw new ValidationError([
          {
            field: 'grant',
            message: `could not be stored: the table refused it (${(error as Error).message})`,
          },
        ]);
      });
      return {
        outcome,
        ...(stored ? { grant: toGrantView(stored) } : {}),
        ...(checked.warnings.length > 0 ? { warnings: checked.warnings } : {}),
      };
    },

    /**
     * Each item is validated on its own (a bad item never blocks a good one); the valid ones are read in
     * one BatchGetItem and written in as few transactions as possible, never half-written.
     */
    async batchUpsert(ctx: AuditContext, body: unknown) {
      requireRole(ctx.principal, 'editor', 'grant.batch', `funder:${ctx.principal.funderId}/grants`);
      const { grants, uploadId: sentUploadId } = parseOrThrow(BatchUpsertRequestSchema, body);
      const uploadId = sentUploadId ?? newUploadId();
      const seen = new Map<string, number>();
      const warningsOf = new Map<number, FieldError[]>();
      // Who the writer is (for fundingOrganization): a table too busy to say makes every grant one to re-send.
      let writer: Awaited<ReturnType<FundingDirectory['identities']>> | null = null;
      try {
        writer = await deps.funding.identities(ctx.principal.funderId, fundingIdsOf(grants));
      } catch (error) {
        if (!isTransient(error)) throw error;
      }
      const results: BatchItemResult[] = new Array(grants.length);
      const valid: Array<{ index: number; input: GrantInput }> = [];
      for (const [index, raw] of grants.entries()) {
        const parsed = BatchGrantItemSchema.safeParse(raw, { reportInput: true });
        const rawId =
          typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string'
            ? raw.id
            : null;
        const reject = (code: string, errors: FieldError[]) => {
          results[index] = { index, id: rawId, outcome: 'rejected', code, errors };
        };
        if (!parsed.success) {
          reject('validation_failed', fieldErrors(parsed.error, `grants.${index}`, raw));
          continue;
        }
        const visibilityErrors = checkVisibility(ctx.principal, parsed.data, `grants.${index}`);
        if (visibilityErrors.length > 0) {
          reject('visibility_not_allowed', visibilityErrors);
          continue;
        }
        const earlier = seen.get(parsed.data.id);
        if (earlier !== undefined) {
          reject('duplicate_in_batch', [
            {
              field: `grants.${index}.id`,
              message: `repeats the id of grants.${earlier}`,
              value: parsed.data.id,
            },
          ]);
          continue;
        }
        if (!writer) {
          results[index] = busy(index, parsed.data.id);
          continue;
        }
        const checked = await admissible(parsed.data, `grants.${index}.`, writer);
        if (checked.code) {
          reject(checked.code, checked.errors);
          continue;
        }
        if (checked.warnings.length > 0) warningsOf.set(index, checked.warnings);
        seen.set(parsed.data.id, index);
        valid.push({ index, input: parsed.data });
      }

      const report = (index: number, result: BatchItemResult) => {
        const warnings = result.outcome === 'rejected' ? undefined : warningsOf.get(index);
        results[index] = warnings ? { ...result, warnings } : result;
      };
      let currents: Map<string, StoredGrant>;
      try {
        currents = await repo.getCurrentMany(
          ctx.principal.funderId,
          valid.map((v) => v.input.id),
        );
      } catch (error) {
        if (!isTransient(error)) throw error;
        for (const v of valid) report(v.index, busy(v.index, v.input.id));
        return { uploadId, ...summarise(results) };
      }
      const at = now().toISOString();
      const planned: Array<{ index: number; write: VersionWrite; outcome: 'created' | 'updated' }> = [];
      for (const { index, input } of valid) {
        const plan = planWrite(ctx.principal, input, currents.get(input.id) ?? null, at, uploadId);
        if (plan.outcome === 'unchanged') {
          report(index, { index, id: input.id, outcome: 'unchanged', version: plan.stored.version });
        } else {
          planned.push({
            index,
            outcome: plan.outcome,
            write: { next: plan.stored, previous: plan.previous },
          });
        }
      }
      await commitBatch(ctx, planned, report, uploadId);
      return { uploadId, ...summarise(results) };
    },

    async get(ctx: AuditContext, funderId: string, grantId: string): Promise<GrantView> {
      const stored = await repo.getCurrent(funderId, grantId);
      const exists = stored && !stored.deleted && stored.record;
      if (!exists || !canRead(ctx.principal, funderId, exists.visibility)) {
        // Missing and hidden answer alike, read alike in the caller's own log, and cost alike (one read, two
        // audit writes in parallel): the funder named in the path is told who tried, and why it failed.
        throw new NotFoundError(`Grant ${funderId}/${grantId}`, {
          action: 'grant.read',
          resource: `grant:${funderId}/${grantId}`,
          reason: exists ? `visibility ${exists.visibility}` : 'no such grant',
          alsoNotify: [funderId],
        });
      }
      if (exists.visibility !== 'public' && exists.visibility !== 'hub') {
        await audit.record(ctx, {
          action: 'grant.read',
          resource: `grant:${funderId}/${grantId}`,
          outcome: 'allowed',
          details: { visibility: exists.visibility, version: stored.version },
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
        await repo.writeVersions(
          [{ next: tombstone, previous: current }],
          [
            newAuditEvent(ctx, {
              action: 'grant.delete',
              resource: `grant:${funderId}/${grantId}`,
              outcome: 'allowed',
              details: { version: tombstone.version },
            }),
          ],
        );
      } catch (error) {
        if (error instanceof ConditionFailedError) throw conflict();
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
      const cursor = rawCursor ? decodeCursor(rawCursor, cursorOwner(principal), fingerprint) : undefined;
      let scopeIndex = cursor?.s ?? 0;
      let key = cursor?.k ?? null;
      if (scopeIndex > scopes.length) throw new InvalidCursorError();
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
        key = toCursorKey(page.lastKey);
        if (key === null) scopeIndex += 1;
      }
      const more = scopeIndex < scopes.length;
      return {
        items,
        nextCursor: more
          ? encodeCursor({ v: 1, f: cursorOwner(principal), q: fingerprint, s: scopeIndex, k: key })
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
        let startKey: Record<string, unknown> | undefined;
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

export interface BatchItemResult {
  index: number;
  id: string | null;
  outcome: WriteOutcome;
  version?: number;
  code?: string;
  errors?: FieldError[];
  warnings?: FieldError[];
}

/** An upload id for writes that did not come with one (a PUT, a batch sent without `uploadId`). */
function newUploadId(): string {
  return `u${randomBytes(12).toString('base64url')}`;
}

/** TransactWriteItems takes at most 100 actions and 4 MB; one action of each is the audit event. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_TRANSACTION_BYTES = 3_500_000;
const TRANSACTION_CONCURRENCY = 4;

/** The SDK already retried with backoff; the client should re-send this grant. */
function busy(index: number, id: string): BatchItemResult {
  return {
    index,
    id,
    outcome: 'rejected',
    code: 'temporarily_unavailable',
    errors: [{ field: `grants.${index}`, message: 'the table was busy; re-send this grant' }],
  };
}

/** Runs one write and records its result; expected failures become a rejected item, bugs propagate. */
/** DynamoDB refusing a request as invalid (not a race, not throttling): a ValidationException, or a
 * transaction cancelled because one of its items was invalid. */
function refusedByTable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ValidationException') return true;
  if (error.name === 'TransactionCanceledException' && 'CancellationReasons' in error) {
    const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ValidationError');
  }
  return false;
}

async function settle(
  index: number,
  id: string,
  report: (index: number, result: BatchItemResult) => void,
  write: () => Promise<{ outcome: WriteOutcome; version?: number }>,
) {
  try {
    report(index, { index, id, ...(await write()) });
  } catch (error) {
    if (isTransient(error)) return report(index, busy(index, id));
    if (!(error instanceof AppError)) throw error;
    report(index, {
      index,
      id,
      outcome: 'rejected',
      code: error.code,
      errors: error.errors ?? [{ field: `grants.${index}`, message: error.message }],
    });
  }
}

function summarise(results: BatchItemResult[]) {
  const summary = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const r of results) if (r.outcome !== 'deleted') summary[r.outcome] += 1;
  return { summary, results };
}

async function runLimited<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(0, i);
}
