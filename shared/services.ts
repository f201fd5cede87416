// Composition root: builds every service once per process from the configuration.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAuditRepository } from './audit/audit-repository.ts';
import { createAuditService } from './audit/audit-service.ts';
import { AUTH_FAILURE_LIMITS, createAuthFailures } from './auth/auth-failures.ts';
import { createKeyService } from './auth/key-service.ts';
import { type Config, getConfig } from './config.ts';
import { createDocumentClient, createDynamoClient } from './db/client.ts';
import { createDigestRepository } from './digests/digest-repository.ts';
import { createDigestService } from './digests/digest-service.ts';
import { digestTransport } from './digests/transport.ts';
import { NotFoundError } from './errors.ts';
import { createExportService } from './exports/export-service.ts';
import { keyedNoise } from './gaps/gap-math.ts';
import { createGapRepository } from './gaps/gap-repository.ts';
import { createGapRollup } from './gaps/gap-rollup.ts';
import { createGapService } from './gaps/gap-service.ts';
import { createFundingDirectory } from './grants/funding-organisation.ts';
import { createGrantRepository } from './grants/grant-repository.ts';
import { createGrantService } from './grants/grant-service.ts';
import { createUploadStatus } from './grants/upload-status.ts';
import { createOpportunityRepository } from './opportunities/opportunity-repository.ts';
import { createOpportunityService } from './opportunities/opportunity-service.ts';
import { createDuplicateService } from './organisations/duplicate-service.ts';
import { createResolutionRepository } from './organisations/resolution-repository.ts';
import { createResolver } from './organisations/resolver.ts';
import { useCursorSigningKey } from './pagination/cursor.ts';
import { createHubSecrets } from './secrets/hub-secret.ts';
import { streamProcessors } from './streams/consumers.ts';
import { createDeadLetterRepository } from './streams/dead-letter-repository.ts';
import { createDeadLetterService } from './streams/dead-letter-service.ts';
import { createCollaborativeRepository } from './tenancy/collaborative-repository.ts';
import { createFunderRelations } from './tenancy/funder-relations.ts';
import { createFunderRepository } from './tenancy/funder-repository.ts';
import { createMemberRepository } from './tenancy/member-repository.ts';
import { createTenancyService } from './tenancy/tenancy-service.ts';

/** An organisation the caller may see none of is simply absent from suggestions and names. */
async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

export function createServices(
  config: Config,
  client: DynamoDBClient = createDynamoClient(config),
  doc: DynamoDBDocumentClient = createDocumentClient(client),
) {
  const tableName = config.TABLE_NAME;
  const repoDeps = { doc, tableName };
  const funders = createFunderRepository(repoDeps);
  const members = createMemberRepository(repoDeps);
  const collaboratives = createCollaborativeRepository(repoDeps);
  const auditRepo = createAuditRepository(repoDeps);
  const audit = createAuditService({ repo: auditRepo });
  const tenancy = createTenancyService({ funders, collaboratives, members, audit });
  const grantRepo = createGrantRepository(repoDeps);
  const grants = createGrantService({
    repo: grantRepo,
    audit,
    funding: createFundingDirectory({ funders, collaboratives }),
  });
  const resolution = createResolutionRepository(repoDeps);
  const resolver = createResolver({
    repo: resolution,
    relations: createFunderRelations({ funders, collaboratives, tenancy }),
  });
  const duplicates = createDuplicateService({
    repo: resolution,
    resolver,
    audit,
    currentGrant: (funderId, grantId) => grantRepo.getCurrent(funderId, grantId),
  });
  const gapRepo = createGapRepository(repoDeps);
  const opportunities = createOpportunityService({
    repo: createOpportunityRepository(repoDeps),
    audit,
    visibleFunding: (ctx, themes, regions) => gaps.visibleFunding(ctx, themes, regions),
    organisationFunders: async (ctx, orgId) =>
      (await unlessNotFound(() => duplicates.organisation(ctx, orgId)))?.funders ?? [],
  });
  const secrets = createHubSecrets(repoDeps);
  let readying: Promise<void> | undefined;
  /** What every request needs loaded first (the cursor signing key); once per process. */
  const ready = () => {
    readying ??= secrets.keyFor('cursor').then(useCursorSigningKey);
    readying.catch(() => {
      readying = undefined;
    });
    return readying;
  };
  const gaps = createGapService({
    openAsks: (ctx) => opportunities.openAsks(ctx),
    repo: gapRepo,
    funders,
    tenancy,
    organisationName: async (ctx, orgId) =>
      (await unlessNotFound(() => duplicates.organisation(ctx, orgId)))?.names[0] ?? null,
  });
  const authFailures = createAuthFailures({
    ...repoDeps,
    limits: {
      ...AUTH_FAILURE_LIMITS,
      perSource: config.AUTH_FAILURES_PER_SOURCE,
      perKeyId: config.AUTH_FAILURES_PER_KEY_ID,
    },
  });
  const digestRepo = createDigestRepository(repoDeps);
  const digests = createDigestService({
    repo: digestRepo,
    funders,
    members,
    tenancy,
    opportunities,
    duplicates,
    gaps,
    audit,
    transport: () => digestTransport(config),
    linkFailures: authFailures,
    settings: () => ({
      settleSeconds: config.DIGEST_SETTLE_SECONDS,
      leaseSeconds: config.DIGEST_LEASE_SECONDS,
      maxAttempts: config.DIGEST_MAX_ATTEMPTS,
      publicUrl: config.PUBLIC_API_URL,
    }),
  });
  // secrets.keyFor already loads the hub secret once (and again after a failure); the noise is a closure over it.
  const noise = async () => keyedNoise(await secrets.keyFor('gap-noise'));
  const resolverAndRollup = { resolver, gapRollup: createGapRollup({ repo: gapRepo, noise }) };
  const processors = streamProcessors(() => ({ ...resolverAndRollup, digests: digestRepo }));
  const deadLetterRepo = createDeadLetterRepository(repoDeps);
  return {
    config,
    client,
    /** For bootstrap (seeding, tests); request paths go through the services. */
    repos: {
      funders,
      members,
      collaboratives,
      grants: grantRepo,
      resolution,
      gaps: gapRepo,
      digests: digestRepo,
      audit: auditRepo,
      deadLetters: deadLetterRepo,
    },
    audit,
    secrets,
    ready,
    authFailures,
    tenancy,
    keys: createKeyService({ members, funders, tenancy, audit }),
    grants,
    exports: createExportService({ grants, audit }),
    /** Run from the table's stream (AWS) or the local stream poller, never from a request. */
    resolver,
    duplicates,
    gaps,
    opportunities,
    /** Run from the table's stream (AWS) or the local stream poller, never from a request. */
    gapRollup: resolverAndRollup.gapRollup,
    digests,
    /** What each stream consumer does with one record (the handlers and the operator's replay run these). */
    processors,
    /** Stream records set aside, for the operator (list, replay). */
    deadLetters: createDeadLetterService({
      repo: deadLetterRepo,
      processors,
      readItem: (key) => deadLetterRepo.readItem(key),
      audit,
    }),
    /** How far an upload's grants are processed. */
    uploads: createUploadStatus({ ...repoDeps, deadLetters: deadLetterRepo }),
  };
}
export type Services = ReturnType<typeof createServices>;

let services: Services | undefined;

/** Lambda handlers share one set of services (and one HTTP connection pool) per container. */
export function getServices(): Services {
  services ??= createServices(getConfig());
  return services;
}

export function resetServicesForTests(): void {
  services = undefined;
}

/** Fault-injection tests run the real handlers over services whose DynamoDB client they control. */
export function setServicesForTests(replacement: Services): void {
  services = replacement;
}
