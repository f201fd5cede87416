import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../console/security-headers.ts';
import { HubFunction } from '../../infra/constructs/hub-function.ts';
import { createHub } from '../../infra/hub-app.ts';
import { mainTable } from '../../shared/db/table-definition.ts';
import { routes } from '../../shared/http/route-manifest.ts';
import { DEFAULT_ROUTE } from '../../shared/http/route-match.ts';
import { STREAM_CONSUMERS } from '../../shared/streams/event-sources.ts';
import { SET_ASIDE_LOG_MESSAGE } from '../../shared/streams/set-aside.ts';

const noBundling = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

const outdirs: string[] = [];
/** Each App synthesizes into its own temporary folder, removed after the file. */
const outdir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cofund-cdk-'));
  outdirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

let data: Template;
let api: Template;
let hub: ReturnType<typeof createHub>;

beforeAll(() => {
  const app = new App({ context: noBundling, outdir: outdir() });
  hub = createHub(app);
  app.synth();
  data = Template.fromStack(hub.data);
  api = Template.fromStack(hub.api);
});

describe('data stack', () => {
  it('keeps the tables: PITR, deletion protection, KMS encryption, retained on delete', () => {
    data.resourceCountIs('AWS::DynamoDB::Table', 2);
    const tables = data.findResources('AWS::DynamoDB::Table');
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    }
    data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('builds the main table from the shared table definition', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: mainTable.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
        }),
      ),
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('names the tables in its outputs, for the operator’s scripts', () => {
    data.hasOutput('HubTableName', { Value: { Ref: Match.stringLikeRegexp('^HubTable') } });
    data.hasOutput('IdempotencyTableName', { Value: { Ref: Match.stringLikeRegexp('^IdempotencyTable') } });
  });

  it('gives no table a fixed physical name', () => {
    for (const table of Object.values(data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties.TableName).toBeUndefined();
    }
  });
});

describe('api stack', () => {
  it('deploys every route of the manifest, with the key authorizer on all but the OpenAPI document', () => {
    for (const route of routes) {
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.auth ? 'CUSTOM' : 'NONE',
      });
    }
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
    });
    api.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length + 1);
  });

  it('answers what no route takes from a function with no access to the tables or the key', () => {
    const role = hub.api.functions[DEFAULT_ROUTE.operationId]?.role;
    if (!role) throw new Error('no role for noRoute');
    const roleId = hub.api.getLogicalId(role.node.defaultChild as never);
    const statements = Object.values(
      api.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    const actions = statements.flatMap((st) => [st.Action].flat());
    // Only what X-Ray tracing needs.
    expect(actions.filter((a) => !a.startsWith('xray:'))).toEqual([]);
    const [fn] = Object.values(
      api.findResources('AWS::Lambda::Function', {
        Properties: { Description: DEFAULT_ROUTE.description },
      }),
    );
    expect(Object.keys(fn?.Properties.Environment.Variables ?? {}).sort()).toEqual([
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
    ]);
  });

  it('uses a simple-response Lambda authorizer with no result caching, so revocation is immediate', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerPayloadFormatVersion: '2.0',
    });
  });

  it('runs every function on Node.js 22 (ARM) with the table names from the data stack', () => {
    const all = api.findResources('AWS::Lambda::Function');
    // CDK's own helpers for the web console: copying the build into S3 and emptying the bucket on delete.
    const cdkOwn = Object.keys(all).filter((id) =>
      /^(CustomCDKBucketDeployment|CustomS3AutoDeleteObjectsCustomResourceProvider)/.test(id),
    );
    expect(cdkOwn).toHaveLength(2);
    const functions = Object.fromEntries(Object.entries(all).filter(([id]) => !cdkOwn.includes(id)));
    // One per route, the authorizer, three stream consumers (organisation resolver, gap rollups, change feed),
    // the digest run, the digest delivery and the `$default` route's answer (which alone needs no table).
    expect(Object.keys(functions)).toHaveLength(routes.length + 7);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      if (!String(fn.Properties.Description).startsWith('$default'))
        expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('throttles each route anyone may call without a key more tightly than the stage', () => {
    const [stage] = Object.values(api.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    const open = [...routes.filter((r) => !r.auth).map((r) => `${r.method} ${r.path}`), '$default'];
    expect(open).toContain('POST /v1/digests/unsubscribe');
    expect(Object.keys(settings).sort()).toEqual(open.sort());
    for (const key of open) expect(settings[key]?.ThrottlingRateLimit).toBe(10);
  });

  it('reserves concurrency for the functions anyone may call only when asked (-c unauthenticatedConcurrency)', () => {
    const reserved = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function'))
        .filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined)
        .map((fn) => [fn.Properties.Description, fn.Properties.ReservedConcurrentExecutions]);
    expect(reserved(api)).toEqual([]);
    const app = new App({ context: { ...noBundling, unauthenticatedConcurrency: '2' }, outdir: outdir() });
    const capped = Template.fromStack(createHub(app, { nag: false }).api);
    const open = [
      ...routes.filter((r) => !r.auth).map((r) => `${r.method} ${r.path}`),
      DEFAULT_ROUTE.description,
    ];
    expect(reserved(capped).sort()).toEqual(open.map((d) => [d, 2]).sort());
    for (const bad of ['0', 'two', '2.5', '101']) {
      const wrong = new App({
        context: { ...noBundling, unauthenticatedConcurrency: bad },
        outdir: outdir(),
      });
      expect(() => createHub(wrong, { nag: false })).toThrow(
        `context unauthenticatedConcurrency "${bad}" must be a whole number from 1 to 100`,
      );
    }
  });

  it('throttles the stage and writes access logs', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: Match.anyValue(),
        ThrottlingBurstLimit: Match.anyValue(),
      }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  /** A function's DynamoDB statements, as the template has them. */
  const dynamoStatements = (name: string) => {
    const role = hub.api.functions[name]?.role;
    if (!role) throw new Error(`no role for ${name}`);
    const roleId = hub.api.getLogicalId(role.node.defaultChild as never);
    const policies = api.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    return (
      Object.values(policies)
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
        .map((st): Record<string, unknown> & { Action: string[] } => ({
          ...st,
          Action: [st.Action].flat() as string[],
        }))
        .filter((st) => st.Action.some((a) => a.startsWith('dynamodb:')))
        // The stream's own read grants (event source mappings) are not item access.
        .filter(
          (st) =>
            !st.Action.every((a) =>
              /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a),
            ),
        )
    );
  };
  const everyFunction = [
    ...routes.map((r) => r.operationId),
    'authorizer',
    ...STREAM_CONSUMERS.map((c) =>
      c.constructId === 'ResolveOrganisations'
        ? 'resolveOrganisations'
        : c.constructId === 'RollUpGaps'
          ? 'rollUpGaps'
          : 'recordChanges',
    ),
    'deliverDigest',
    'startDigestRun',
  ];

  it('gives each function only the DynamoDB actions it uses: no Scan or BatchWriteItem anywhere, DeleteItem only where it deletes', () => {
    const deleters = new Set([
      'updateFunder',
      'removeCollaborativeMember',
      'acceptInvitation',
      'declineInvitation',
      'decideDuplicate',
      'replayDeadLetter',
    ]);
    for (const name of everyFunction) {
      const statements = dynamoStatements(name);
      expect(statements.length, name).toBeGreaterThan(0);
      const actions = statements.flatMap((st) => st.Action);
      expect(
        actions.filter((a) =>
          ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:*', 'dynamodb:PartiQLSelect'].includes(a),
        ),
        name,
      ).toEqual([]);
      const mainDeletes = statements.filter(
        (st) => st.Action.includes('dynamodb:DeleteItem') && JSON.stringify(st.Resource).includes('HubTable'),
      );
      expect(mainDeletes.length > 0, name).toBe(deleters.has(name));
    }
  });

  it('lets read-only routes write nothing to the table but audit events and the hub secret', () => {
    const writeActions = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    for (const route of routes.filter((r) => r.access === 'read')) {
      for (const statement of dynamoStatements(route.operationId)) {
        const writes = statement.Action.filter((a) => writeActions.includes(a));
        if (writes.length === 0) continue;
        // The page behind an unsubscribe link also counts a refused link against its source.
        if (route.operationId === 'showUnsubscribe' && writes.includes('dynamodb:UpdateItem')) {
          expect(writes, route.operationId).toEqual(['dynamodb:UpdateItem']);
          expect(statement.Condition, route.operationId).toEqual({
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUTHFAIL', 'AUTHFAIL#*'] },
          });
          continue;
        }
        expect(writes, route.operationId).toEqual(['dynamodb:PutItem']);
        expect(statement.Condition, route.operationId).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT', 'AUDIT#*', 'HUB', 'HUB#*'] },
        });
      }
    }
  });

  it('holds the unauthenticated unsubscribe function to the member and its digest state, and one-family functions to their keys', () => {
    const main = dynamoStatements('unsubscribeDigest').find(
      (st) => st.Action.includes('dynamodb:UpdateItem') && JSON.stringify(st.Condition).includes('DIGEST#*'),
    );
    expect(main?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(main?.Condition).toEqual({
      'ForAllValues:StringLike': {
        'dynamodb:LeadingKeys': [
          'DIGEST',
          'DIGEST#*',
          'FUNDER',
          'FUNDER#*',
          'HUB',
          'HUB#*',
          'AUDIT',
          'AUDIT#*',
        ],
      },
    });
    // Both count a refused link against its source, and may update nothing else that way.
    const failureCount = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUTHFAIL', 'AUTHFAIL#*'] },
    };
    for (const name of ['unsubscribeDigest', 'showUnsubscribe']) {
      expect(
        dynamoStatements(name).filter((st) => JSON.stringify(st.Condition).includes('AUTHFAIL')),
        name,
      ).toEqual([expect.objectContaining({ Action: ['dynamodb:UpdateItem'], Condition: failureCount })]);
    }
    // The page behind the link's GET checks the link: it reads the digest state and the member, and writes nothing
    // there.
    for (const st of dynamoStatements('showUnsubscribe')) {
      if (JSON.stringify(st.Condition).includes('AUTHFAIL')) continue;
      expect(JSON.stringify(st.Condition), 'showUnsubscribe').toContain('HUB#*');
      if (JSON.stringify(st.Condition).includes('DIGEST#*')) {
        expect(JSON.stringify(st.Condition)).toContain('FUNDER#*');
        expect(st.Action).toEqual(['dynamodb:GetItem']);
      }
      expect(st.Action).not.toContain('dynamodb:UpdateItem');
    }
    for (const [name, family] of [
      ['listAudit', 'AUDIT#*'],
      ['getGrant', 'GRANT#*'],
      ['revokeKey', 'APIKEY#*'],
      ['rollUpGaps', 'GAPSTATE#*'],
    ] as const) {
      const conditioned = dynamoStatements(name).every((st) =>
        JSON.stringify(st.Condition ?? {}).includes('LeadingKeys'),
      );
      expect(conditioned, name).toBe(true);
      expect(JSON.stringify(dynamoStatements(name)), name).toContain(family);
    }
    // The idempotency table only for routes that take an Idempotency-Key.
    for (const route of routes) {
      const idem = dynamoStatements(route.operationId).filter((st) =>
        JSON.stringify(st.Resource).includes('IdempotencyTable'),
      );
      expect(idem.length > 0, route.operationId).toBe(route.idempotent === true);
    }
  });

  it('alarms on 5xx answers, authorizer errors, parked stream records and parked digests', () => {
    // 5xx, authorizer errors, digests parked; per stream consumer: its on-failure queue and records set aside.
    api.resourceCountIs('AWS::CloudWatch::Alarm', 3 + 2 * STREAM_CONSUMERS.length);
  });

  it('bounds every stream consumer as shared/streams/event-sources.ts says, bisecting failed batches', () => {
    for (const c of STREAM_CONSUMERS) {
      api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: c.batchSize,
        BisectBatchOnFunctionError: c.bisectBatchOnFunctionError,
        MaximumRetryAttempts: c.maxRetryAttempts,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(c.filter) }] },
      });
    }
  });

  it('alarms on each stream record a consumer sets aside, from its own log line', () => {
    api.resourceCountIs('AWS::Logs::MetricFilter', STREAM_CONSUMERS.length);
    api.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.message = "${SET_ASIDE_LOG_MESSAGE}" }`,
      MetricTransformations: [Match.objectLike({ MetricNamespace: 'DonorDataHub', MetricValue: '1' })],
    });
  });

  it('resolves organisations from the table stream: grant changes only, in order, failures reported and parked', () => {
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: { NewImage: { entity: { S: ['grant'] }, SK: { S: ['CURRENT'] } } },
            }),
          },
        ],
      },
    });
    api.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: 'alias/aws/sqs' });
  });

  it('rolls gap cells up from the table stream: mention inserts, changes and removals only, failures parked', () => {
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: { Keys: { PK: { S: [{ prefix: 'MENTION#' }] }, SK: { S: [{ prefix: 'R#' }] } } },
            }),
          },
        ],
      },
    });
    // Three stream dead-letter queues, the digest queue and its dead-letter queue.
    api.resourceCountIs('AWS::SQS::Queue', 5);
  });

  it('runs digests from EventBridge Scheduler through an SQS queue with a dead-letter queue, sending with SES', () => {
    const startRun = hub.api.getLogicalId(hub.api.functions.startDigestRun?.node.defaultChild as never);
    api.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [startRun, 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 3 },
      }),
    });
    const deadLetters = hub.api.getLogicalId(hub.api.digestDeadLetters.node.defaultChild as never);
    api.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: 'alias/aws/sqs',
      VisibilityTimeout: 240,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: 3 },
    });
    const deliver = hub.api.getLogicalId(hub.api.functions.deliverDigest?.node.defaultChild as never);
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deliver },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ DIGEST_FROM_ADDRESS: 'digests@example.org', DIGEST_MAX_ATTEMPTS: '3' }),
      },
    });
    api.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'digests@example.org' });
    const deliverRole = hub.api.getLogicalId(
      hub.api.functions.deliverDigest?.role?.node.defaultChild as never,
    );
    const policies = api.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: deliverRole }] } });
    const actions = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((st: { Action: string | string[] }) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ses:SendEmail', 'ses:SendRawEmail']));
  });
});

describe('web console', () => {
  it('keeps the console files in a private, TLS-only bucket that only CloudFront reads (origin access control)', () => {
    const files = hub.api.getLogicalId(hub.api.webConsole.bucket.node.defaultChild as never);
    api.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
    });
    const policy = Object.values(
      api.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: files } } }),
    )[0];
    const statements = policy?.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Principal: { Service: 'cloudfront.amazonaws.com' },
        }),
      ]),
    );
    api.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  });

  it('serves the console with its security headers and sends /v1/* to the API uncached', () => {
    api.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        }),
      }),
    });
    const distribution = Object.values(api.findResources('AWS::CloudFront::Distribution'))[0];
    const config = distribution?.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.Logging).toBeDefined();
    const apiBehaviour = config.CacheBehaviors.find(
      (b: { PathPattern: string }) => b.PathPattern === '/v1/*',
    );
    expect(apiBehaviour).toMatchObject({
      // The managed CachingDisabled and AllViewerExceptHostHeader policies.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      AllowedMethods: expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']),
      ViewerProtocolPolicy: 'https-only',
    });
    const apiOrigin = config.Origins.find((o: { Id: string }) => o.Id === apiBehaviour.TargetOriginId);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });

  it('deploys the built files in two steps: hashed assets kept and cached for good, then index.html invalidated', () => {
    const deployments = Object.values(api.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(2);
    const [assets, index] = [
      deployments.find((d) => d.Properties.Exclude?.includes('index.html') && !d.Properties.Include),
      deployments.find((d) => d.Properties.Include?.includes('index.html')),
    ];
    expect(assets?.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    expect(index?.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionPaths: ['/index.html', '/'],
    });
    expect(index?.DependsOn?.length).toBeGreaterThan(0);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on either stack', () => {
    for (const stack of [hub.data, hub.api]) {
      const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
      const warnings = Annotations.fromStack(stack).findWarning(
        '*',
        Match.stringLikeRegexp('AwsSolutions-.*'),
      );
      expect([...errors, ...warnings].map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`)).toEqual(
        [],
      );
    }
  });

  it('does find the acknowledged issues when the acknowledgements are removed (the check really runs)', async () => {
    const { Aspects } = await import('aws-cdk-lib');
    const { AwsSolutionsChecks } = await import('cdk-nag');
    const { DataStack } = await import('../../infra/stacks/data-stack.ts');
    const { ApiStack } = await import('../../infra/stacks/api-stack.ts');
    const app = new App({ context: noBundling, outdir: outdir() });
    const d = new DataStack(app, 'D');
    const a = new ApiStack(app, 'A', { table: d.table, idempotencyTable: d.idempotencyTable, key: d.key });
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    const errors = Annotations.fromStack(a).findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5.*'));
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('bundling', () => {
  it('builds the web console for its S3 asset with esbuild: index.html naming a hashed script that exists', async () => {
    const { HttpApi } = await import('aws-cdk-lib/aws-apigatewayv2');
    const { WebConsole } = await import('../../infra/constructs/web-console.ts');
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'ConsoleProbe');
    new WebConsole(stack, 'Console', { api: new HttpApi(stack, 'Api') });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    const built = assets
      .map((d) => join(assembly.directory, d))
      .find((d) => existsSync(join(d, 'index.html')));
    expect(built, assets.join(',')).toBeDefined();
    const html = readFileSync(join(built ?? '', 'index.html'), 'utf8');
    const script = /src="\/assets\/(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(existsSync(join(built ?? '', 'assets', script ?? ''))).toBe(true);
  });

  it('bundles a handler with esbuild into an ESM file that loads and answers', async () => {
    const app = new App({
      context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
      outdir: outdir(),
    });
    const stack = new Stack(app, 'BundleProbe');
    const openapi = routes.find((r) => r.operationId === 'getOpenApi');
    if (!openapi) throw new Error('no openapi route');
    new HubFunction(stack, 'Probe', { entry: openapi.entry, description: 'probe', environment: {} });
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const assetHash = String(fn?.Properties.Code.S3Key).replace('.zip', '');
    const dir = join(assembly.directory, `asset.${assetHash}`);
    expect(existsSync(join(dir, 'index.mjs')), readdirSync(assembly.directory).join(',')).toBe(true);
    const mod = await import(pathToFileURL(join(dir, 'index.mjs')).href);
    const res = await mod.handler({});
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).openapi).toBe('3.1.0');
  });

  it('bundles the export handler with the official schema and ajv, and it answers a request without a key with 401', async () => {
    const app = new App({
      context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
      outdir: outdir(),
    });
    const stack = new Stack(app, 'ExportProbe');
    const route = routes.find((r) => r.operationId === 'getExport');
    if (!route) throw new Error('no export route');
    new HubFunction(stack, 'Probe', { entry: route.entry, description: 'probe', environment: {} });
    const assembly = app.synth();
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    const dir = join(assembly.directory, `asset.${String(fn?.Properties.Code.S3Key).replace('.zip', '')}`);
    const mod = await import(pathToFileURL(join(dir, 'index.mjs')).href);
    const res = await mod.handler(
      { rawPath: '/v1/exports', headers: {}, requestContext: { requestId: 'r' } },
      {},
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });
});
