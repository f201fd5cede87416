// Stateless stack: HTTP API, Lambda authorizer, one function per route from the route manifest, alarms.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
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
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { routes } from '../../shared/http/route-manifest.ts';
import { GRANT_CHANGE_FILTER } from '../../shared/organisations/grant-changes.ts';
import { HubFunction } from '../constructs/hub-function.ts';

export interface ApiStackProps extends StackProps {
  table: Table;
  idempotencyTable: Table;
  key: IKey;
  /** Requests per second across the API before the gateway answers 429. */
  throttleRateLimit?: number;
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<string, NodejsFunction> = {};
  readonly resolverDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { table, idempotencyTable, key } = props;
    const environment = {
      TABLE_NAME: table.tableName,
      IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName,
      POWERTOOLS_SERVICE_NAME: 'donor-data-hub',
    };

    /** Every function may append audit events (denials are audited on every route), and nothing else there. */
    const allowAuditAppend = (fn: NodejsFunction) => {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
        }),
      );
      key.grantEncryptDecrypt(fn);
    };

    const authorizerFn = new HubFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/authorize.ts',
      description: 'Resolves API keys to principals',
      environment,
    }).fn;
    table.grantReadData(authorizerFn);
    allowAuditAppend(authorizerFn);
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
    new HttpStage(this, 'DefaultStage', {
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

    for (const route of routes) {
      const fn = new HubFunction(this, pascal(route.operationId), {
        entry: route.entry,
        description: `${route.method} ${route.path}`,
        environment,
      }).fn;
      if (route.access === 'write') table.grantReadWriteData(fn);
      else table.grantReadData(fn);
      if (route.idempotent) idempotencyTable.grantReadWriteData(fn);
      allowAuditAppend(fn);
      this.functions[route.operationId] = fn;
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.operationId)}Integration`, fn),
        ...(route.auth ? {} : { authorizer: new HttpNoneAuthorizer() }),
      });
    }

    // Organisation resolution: every grant change on the table stream, in order per grant. A record that keeps
    // failing is retried, then parked in the dead-letter queue (with an alarm) instead of blocking its shard.
    const resolverFn = new HubFunction(this, 'ResolveOrganisations', {
      entry: 'functions/streams/resolve-organisations.ts',
      description: 'Resolves recipient organisations of changed grants from the table stream',
      environment,
      timeout: Duration.seconds(60),
    }).fn;
    table.grantReadWriteData(resolverFn);
    key.grantEncryptDecrypt(resolverFn);
    this.functions.resolveOrganisations = resolverFn;
    this.resolverDeadLetters = new Queue(this, 'ResolverDeadLetters', {
      encryption: QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    resolverFn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        parallelizationFactor: 4,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.resolverDeadLetters),
        filters: [FilterCriteria.filter(structuredClone(GRANT_CHANGE_FILTER))],
      }),
    );
    new Alarm(this, 'ResolverDeadLettersAlarm', {
      alarmDescription: 'Grant changes could not be resolved to organisations and were parked; replay them',
      metric: this.resolverDeadLetters.metricApproximateNumberOfMessagesVisible({
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
  }
}
