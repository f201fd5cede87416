// Stateless stack: HTTP API, Lambda authorizer, one function per route from the route manifest, alarms.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionPolicies } from '../../shared/http/iam-policies.ts';
import { routes } from '../../shared/http/route-manifest.ts';
import { DEFAULT_ROUTE } from '../../shared/http/route-match.ts';
import { STREAM_CONSUMERS } from '../../shared/streams/event-sources.ts';
import { SET_ASIDE_LOG_MESSAGE } from '../../shared/streams/set-aside.ts';
import { HubFunction } from '../constructs/hub-function.ts';
import { WebConsole } from '../constructs/web-console.ts';

export interface ApiStackProps extends StackProps {
  table: Table;
  idempotencyTable: Table;
  key: IKey;
  /** Requests per second across the API before the gateway answers 429. */
  throttleRateLimit?: number;
  /**
   * Concurrent executions reserved for each function anyone can call without a key (the unsubscribe routes and
   * the OpenAPI document), so a flood there can neither use up the account's concurrency nor reach the table
   * faster than this many at once. Unset by default: an account must keep 100 executions unreserved, and new
   * accounts start with a limit of 10 (`cdk deploy -c unauthenticatedConcurrency=2`).
   */
  unauthenticatedConcurrency?: number;
  /** The address digests are sent from; SES must verify it (an email identity is created for it). */
  digestFromAddress?: string;
  /** When the digest run starts (EventBridge Scheduler expression, UTC); weekly digests go out on each ISO week's first run. */
  digestSchedule?: string;
}

/** Sends of one digest message before SQS parks it (the consumer marks it failed on the last one). */
const DIGEST_MAX_ATTEMPTS = 3;

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<string, NodejsFunction> = {};
  /** The dead-letter queues of the stream consumers (organisation resolution, gap rollups, change feed). */
  readonly streamDeadLetters: Queue[];
  readonly digestQueue: Queue;
  readonly digestDeadLetters: Queue;
  readonly webConsole: WebConsole;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { table, idempotencyTable, key } = props;
    const environment = {
      TABLE_NAME: table.tableName,
      IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName,
      POWERTOOLS_SERVICE_NAME: 'donor-data-hub',
    };

    const policies = functionPolicies();
    const leading = (families: string[]) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': families.flatMap((f) => [f, `${f}#*`]) },
    });
    /**
     * A function's role, from shared/http/iam-policies.ts: only the DynamoDB actions it uses (no Scan or
     * BatchWriteItem anywhere, DeleteItem only where it deletes), only the key families it touches where it touches
     * few, the idempotency table only for routes taking an Idempotency-Key, and appending audit events (and making
     * the hub secret) under AUDIT# and HUB# only.
     */
    const applyPolicy = (fn: NodejsFunction, name: string) => {
      const policy = policies.get(name);
      if (!policy) throw new Error(`no IAM policy for function ${name} (shared/http/iam-policies.ts)`);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: policy.main.map((a) => `dynamodb:${a}`),
          resources: [table.tableArn, `${table.tableArn}/index/*`],
          ...(policy.families ? { conditions: leading(policy.families) } : {}),
        }),
      );
      for (const scoped of policy.scoped ?? []) {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: scoped.actions.map((a) => `dynamodb:${a}`),
            resources: [table.tableArn],
            conditions: leading(scoped.families),
          }),
        );
      }
      if (policy.idempotency.length > 0) {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: policy.idempotency.map((a) => `dynamodb:${a}`),
            resources: [idempotencyTable.tableArn],
          }),
        );
      }
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: leading(['AUDIT', 'HUB']),
        }),
      );
      key.grantEncryptDecrypt(fn);
    };

    const authorizerFn = new HubFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/authorize.ts',
      description: 'Resolves API keys to principals',
      environment,
    }).fn;
    applyPolicy(authorizerFn, 'authorizer');
    this.functions.authorizer = authorizerFn;

    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', authorizerFn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // No caching: a revoked key or a changed membership takes effect on the next request.
      resultsCacheTtl: Duration.seconds(0),
    });

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Donor data hub API',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit ?? 200,
        burstLimit: (props.throttleRateLimit ?? 200) * 2,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    // Routes anyone can call without a key (and `$default`, which takes what no route does) get their own, lower
    // limit: a flood there cannot use up the stage's.
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      [...routes.filter((r) => !r.auth).map((r) => `${r.method} ${r.path}`), '$default']
        // routeSettings is untyped (any) in CDK: written as CloudFormation spells it.
        .map((routeKey) => [routeKey, { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }]),
    );

    // What every function anyone may call without a key reserves (nothing unless asked).
    const keyless =
      props.unauthenticatedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.unauthenticatedConcurrency };
    for (const route of routes) {
      const fn = new HubFunction(this, pascal(route.operationId), {
        entry: route.entry,
        description: `${route.method} ${route.path}`,
        environment,
        ...(route.auth ? {} : keyless),
      }).fn;
      applyPolicy(fn, route.operationId);
      this.functions[route.operationId] = fn;
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.operationId)}Integration`, fn),
        ...(route.auth ? {} : { authorizer: new HttpNoneAuthorizer() }),
      });
    }

    // A request no route takes gets a problem+json 404 (or 405 with Allow for a known path) instead of the
    // gateway's bare {"message":"Not Found"}. No key is asked, as the gateway asks none for an unknown route, and
    // the function has no access to the tables or the key: it reads nothing but the route manifest it is built with.
    const noRoute = new HubFunction(this, pascal(DEFAULT_ROUTE.operationId), {
      entry: DEFAULT_ROUTE.entry,
      description: DEFAULT_ROUTE.description,
      environment: { POWERTOOLS_SERVICE_NAME: environment.POWERTOOLS_SERVICE_NAME },
      ...keyless,
    }).fn;
    this.functions[DEFAULT_ROUTE.operationId] = noRoute;
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('NoRouteIntegration', noRoute),
      authorizer: new HttpNoneAuthorizer(),
    });

    // Stream consumers (shared/streams/event-sources.ts, which the local poller follows too): in order per item;
    // a record that keeps failing is set aside by the consumer itself after its bounded attempts (dead-letter
    // store, audit event, and this alarm on the log line), and Lambda's own retry limit, bisect on error and
    // on-failure queue (alarmed) are the backstop when even that cannot be written.
    const consumers = STREAM_CONSUMERS.map((config) => {
      const built = new HubFunction(this, config.constructId, {
        entry: config.entry,
        description: config.description,
        environment,
        timeout: Duration.seconds(60),
      });
      const fn = built.fn;
      applyPolicy(fn, config.constructId);
      const deadLetters = new Queue(this, config.queueId, {
        encryption: QueueEncryption.KMS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      fn.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: config.batchSize,
          maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
          parallelizationFactor: config.parallelizationFactor,
          bisectBatchOnError: config.bisectBatchOnFunctionError,
          retryAttempts: config.maxRetryAttempts,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(deadLetters),
          filters: [FilterCriteria.filter(structuredClone(config.filter) as Record<string, unknown>)],
        }),
      );
      new Alarm(this, `${config.queueId}Alarm`, {
        alarmDescription: config.parked,
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const setAside = new MetricFilter(this, `${config.constructId}SetAsideFilter`, {
        logGroup: built.logGroup,
        filterPattern: FilterPattern.stringValue('$.message', '=', SET_ASIDE_LOG_MESSAGE),
        metricNamespace: 'DonorDataHub',
        metricName: `${config.constructId}RecordsSetAside`,
        metricValue: '1',
      });
      new Alarm(this, `${config.constructId}SetAsideAlarm`, {
        alarmDescription: `${config.name}: stream records were set aside after ${config.recordAttempts} failed attempts; \`cofund dead-letters\` lists them and replays them after a fix`,
        metric: setAside.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      return { fn, deadLetters };
    });
    const [resolver, rollup, feed] = consumers;
    if (!resolver || !rollup || !feed) throw new Error('three stream consumers expected');
    this.functions.resolveOrganisations = resolver.fn;
    this.functions.rollUpGaps = rollup.fn;
    this.functions.recordChanges = feed.fn;
    this.streamDeadLetters = [resolver.deadLetters, rollup.deadLetters, feed.deadLetters];

    // Digests: the scheduler starts a run, which queues one message per due member; the consumer sends each
    // through SES. Retries come from SQS; after the last, the message is parked and its digest reads `failed`.
    const fromAddress = props.digestFromAddress ?? 'digests@example.org';
    const sender = new EmailIdentity(this, 'DigestSender', { identity: Identity.email(fromAddress) });
    this.digestDeadLetters = new Queue(this, 'DigestDeadLetters', {
      encryption: QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.digestQueue = new Queue(this, 'DigestQueue', {
      encryption: QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      // Longer than the consumer's timeout and the lease a worker holds on a member's period.
      visibilityTimeout: Duration.minutes(4),
      deadLetterQueue: { queue: this.digestDeadLetters, maxReceiveCount: DIGEST_MAX_ATTEMPTS },
    });
    const digestEnvironment = {
      ...environment,
      DIGEST_QUEUE_URL: this.digestQueue.queueUrl,
      DIGEST_FROM_ADDRESS: fromAddress,
      DIGEST_MAX_ATTEMPTS: String(DIGEST_MAX_ATTEMPTS),
      DIGEST_LEASE_SECONDS: '180',
    };
    const deliver = new HubFunction(this, 'DeliverDigest', {
      entry: 'functions/digests/deliver-digest.ts',
      description:
        "Builds one member's digest with their permissions and sends it through SES, once per period",
      environment: { ...digestEnvironment, PUBLIC_API_URL: this.api.apiEndpoint },
      timeout: Duration.seconds(90),
    }).fn;
    applyPolicy(deliver, 'deliverDigest');
    sender.grantSendEmail(deliver);
    deliver.addEventSource(
      new SqsEventSource(this.digestQueue, { batchSize: 5, reportBatchItemFailures: true }),
    );
    this.functions.deliverDigest = deliver;
    const startRun = new HubFunction(this, 'StartDigestRun', {
      entry: 'functions/digests/start-digest-run.ts',
      description: 'Queues one digest message per member due in the current period',
      environment: digestEnvironment,
      timeout: Duration.minutes(2),
    }).fn;
    applyPolicy(startRun, 'startDigestRun');
    this.digestQueue.grantSendMessages(startRun);
    this.functions.startDigestRun = startRun;
    new Schedule(this, 'DigestSchedule', {
      description: 'Starts the digest run',
      schedule: ScheduleExpression.expression(props.digestSchedule ?? 'cron(0 7 * * ? *)'),
      target: new LambdaInvoke(startRun, { retryAttempts: 3, maxEventAge: Duration.hours(2) }),
    });
    // `cofund digest --now` queues through the API as well.
    const runNow = this.functions.createDigestRun;
    if (runNow) {
      runNow.addEnvironment('DIGEST_QUEUE_URL', this.digestQueue.queueUrl);
      this.digestQueue.grantSendMessages(runNow);
    }
    new Alarm(this, 'DigestDeadLettersAlarm', {
      alarmDescription: 'Digests failed every attempt and were parked; GET /v1/digests shows them as failed',
      metric: this.digestDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    new Alarm(this, 'Api5xxAlarm', {
      alarmDescription: 'The API answered 5xx: a handler failed or the table was unavailable',
      metric: this.api.metricServerError({ period: Duration.minutes(5) }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'AuthorizerErrorsAlarm', {
      alarmDescription: 'The API key authorizer is failing: every request is being denied',
      metric: authorizerFn.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'COFUND_API_URL for the CLI' });

    this.webConsole = new WebConsole(this, 'WebConsole', { api: this.api });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.webConsole.distribution.distributionDomainName}/`,
      description: 'The web console (its /v1/* is the same API, so COFUND_API_URL may also point here)',
    });
  }
}
