// Composes the hub's stacks; infra/app.ts runs it, infra tests call it on their own App.
import { type App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';

export function createHub(app: App, options: { nag?: boolean } = {}) {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const data = new DataStack(app, 'DonorHubData', {
    env,
    description: 'Donor data hub: tables (stateful, retained)',
  });
  const api = new ApiStack(app, 'DonorHubApi', {
    env,
    description: 'Donor data hub: HTTP API and functions (stateless)',
    table: data.table,
    idempotencyTable: data.idempotencyTable,
    key: data.key,
    // `cdk deploy -c digestFromAddress=digests@your-domain` (SES must verify it before digests go out).
    digestFromAddress: app.node.tryGetContext('digestFromAddress') ?? 'digests@example.org',
    ...unauthenticatedConcurrency(app.node.tryGetContext('unauthenticatedConcurrency')),
  });
  Tags.of(app).add('project', 'donor-data-hub');
  if (options.nag ?? true) {
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    acknowledgeNagFindings(api);
  }
  return { data, api };
}

/** `-c unauthenticatedConcurrency=<n>`: a whole number from 1 to 100, or a clear error at synth. */
function unauthenticatedConcurrency(value: unknown): { unauthenticatedConcurrency?: number } {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new Error(
      `context unauthenticatedConcurrency "${String(value)}" must be a whole number from 1 to 100`,
    );
  }
  return { unauthenticatedConcurrency: n };
}

/** Each acknowledged cdk-nag finding, with the reason it is acceptable. */
function acknowledgeNagFindings(api: ApiStack) {
  for (const queue of api.streamDeadLetters) {
    NagSuppressions.addResourceSuppressions(queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination of a stream consumer (organisation resolution, gap rollups or the change feed); Lambda on-failure destinations are not seen by the rule.',
      },
    ]);
  }
  NagSuppressions.addResourceSuppressions(api.digestDeadLetters, [
    {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the digest queue (redrive policy); it needs none of its own.',
    },
  ]);
  NagSuppressions.addStackSuppressions(api, [
    {
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own CloudWatch logs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'Queries use the table’s own GSIs, which IAM names as <table>/index/*; the wildcard covers only that table’s indexes.',
      // Inside one stack the ARN is <HubTable….Arn>; across stacks it is the data stack's export.
      appliesTo: [
        {
          regex:
            '/^Resource::(<HubTable[0-9A-F]+\\.Arn>|[A-Za-z]+:ExportsOutputFnGetAttHubTable[0-9A-F]+Arn[0-9A-F]+)\\/index\\/\\*$/g',
        },
      ],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'kms:GenerateDataKey* and kms:ReEncrypt* come from the CDK KMS grant and are scoped to the one data key.',
      appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions.',
      appliesTo: ['Resource::*'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        "EventBridge Scheduler's role may invoke the digest-run function and its versions (<function>:*), as the CDK LambdaInvoke target grants; nothing else.",
      appliesTo: [{ regex: '/^Resource::<StartDigestRunFunction[0-9A-F]+\\.Arn>:\\*$/g' }],
    },
    {
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the LTS line the hub targets (AWS SDK v3 requires Node 22 from 2027); moving to 24 is a planned change.',
    },
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'Three routes have no authorizer by design: GET /v1/openapi.json (the public API description) and GET/POST /v1/digests/unsubscribe (the link in an email, proven by its HMAC token, and it can only turn digests off); every other route uses the API key authorizer.',
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        "CDK's BucketDeployment copies the built console from the CDK asset bucket into the console bucket: its wildcards (s3:GetObject*, s3:List*, s3:DeleteObject*, objects under either bucket) are scoped to those two buckets.",
      appliesTo: [
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        {
          regex:
            // The region is a token in an environment-agnostic synth, or a name when the CLI resolves one (it
            // falls back to us-east-1 with no region configured at all).
            '/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-(<AWS::Region>|[a-z]{2}(-[a-z]+)+-[0-9])\\/\\*$/g',
        },
        { regex: '/^Resource::<WebConsoleFiles[0-9A-F]+\\.Arn>\\/\\*$/g' },
      ],
    },
  ]);
  NagSuppressions.addResourceSuppressions(api.webConsole.distribution, [
    {
      id: 'AwsSolutions-CFR1',
      reason:
        'Funders and their programme officers work from many countries; every request is authorised by API key, so a geographic allow-list would only lock members out.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'The API behind /v1/* is throttled at the stage and every route but three public ones needs an API key; the static console holds no data. A WAF web ACL (us-east-1, billed monthly) is an operator choice, not a default.',
    },
    {
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum protocol; an operator with their own domain attaches an ACM certificate with TLSv1.2_2021.',
    },
  ]);
}
