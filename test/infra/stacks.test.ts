import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubFunction } from '../../infra/constructs/hub-function.ts';
import { createHub } from '../../infra/hub-app.ts';
import { mainTable } from '../../shared/db/table-definition.ts';
import { routes } from '../../shared/http/route-manifest.ts';

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
    api.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
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
    const functions = api.findResources('AWS::Lambda::Function');
    // One per route, the authorizer, three stream consumers (organisation resolver, gap rollups, change feed),
    // the digest run and the digest delivery.
    expect(Object.keys(functions)).toHaveLength(routes.length + 6);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
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

  it('lets read-only routes write nothing to the table but audit events', () => {
    const writeActions = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    for (const route of routes.filter((r) => r.access === 'read')) {
      const role = hub.api.functions[route.operationId]?.role;
      if (!role) throw new Error(`no role for ${route.operationId}`);
      const roleId = hub.api.getLogicalId(role.node.defaultChild as never);
      const policies = api.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
      const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
      for (const statement of statements) {
        const actions: string[] = [statement.Action].flat();
        const writes = actions.filter((a) => writeActions.includes(a));
        if (writes.length === 0) continue;
        expect(writes, route.operationId).toEqual(['dynamodb:PutItem']);
        expect(statement.Condition, route.operationId).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] },
        });
      }
    }
  });

  it('alarms on 5xx answers, authorizer errors, parked stream records and parked digests', () => {
    api.resourceCountIs('AWS::CloudWatch::Alarm', 6);
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
