// The web console in AWS: the built static files in a private S3 bucket, served by CloudFront through origin
// access control, with the HTTP API as a second origin under /v1/* so the console calls its own origin (no CORS,
// the key goes to one host only). Security headers are the same definition the local server sends.
import { AssetHashType, DockerImage, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsoleSync } from '../../console/build.ts';
import { CONSOLE_CSP } from '../../console/security-headers.ts';

const CONSOLE_DIR = new URL('../../console', import.meta.url).pathname;

export interface WebConsoleProps {
  api: HttpApi;
}

export class WebConsole extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  readonly deployments: BucketDeployment[];

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    // CloudFront standard logs are delivered with ACLs, hence object-writer ownership on this bucket only.
    this.logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      // Only build output lives here: the next deploy writes it again.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Donor data hub console: CSP, HSTS, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    // apiEndpoint is https://<id>.execute-api.<region>.amazonaws.com: the origin wants the host alone.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Donor data hub web console and API',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: {
        // Never cached; every viewer header but Host (API Gateway routes by its own host) reaches the API,
        // the Authorization header among them.
        '/v1/*': {
          origin: new HttpOrigin(apiHost, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    // Built with esbuild on the deploying machine (no Docker); skipped like every bundle when a test asks.
    const built = Source.asset(CONSOLE_DIR, {
      // Hashed by what was built: a new Preact release redeploys even when console/ itself did not change.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
        local: {
          tryBundle(outputDir) {
            buildConsoleSync(outputDir);
            return true;
          },
        },
      },
    });
    // Hashed assets are kept across deploys (a tab still on the old index.html can load them) and cached for
    // good; index.html is revalidated on every visit and invalidated at the edge on deploy.
    this.deployments = [
      new BucketDeployment(this, 'DeployAssets', {
        sources: [built],
        destinationBucket: this.bucket,
        exclude: ['index.html'],
        prune: false,
        cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      }),
    ];
    this.deployments.push(
      new BucketDeployment(this, 'DeployIndex', {
        sources: [built],
        destinationBucket: this.bucket,
        exclude: ['*'],
        include: ['index.html'],
        prune: false,
        cacheControl: [CacheControl.noCache()],
        distribution: this.distribution,
        distributionPaths: ['/index.html', '/'],
      }),
    );
    // Assets first, so a new index.html never names a script that is not there yet.
    this.deployments[1]?.node.addDependency(this.deployments[0] as BucketDeployment);
  }
}
