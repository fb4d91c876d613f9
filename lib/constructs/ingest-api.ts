import { Duration, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, ROUTES, type Route } from '../../lambdas/http/routes';
import { acknowledgeDataGrants } from './nag';
import type { Queues } from './queues';
import { ServiceFunction } from './service-function';

export interface ApiThrottle {
  /** Steady-state requests per second across the stage. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

export interface IngestApiProps {
  readonly table: dynamodb.Table;
  readonly queues: Queues;
  /** Variables read by `lambdas/config.ts`, the same for every function. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Stage-wide throttling.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ApiThrottle;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The routes to expose.
   * @default ROUTES from lambdas/http/routes.ts (the table the local runtime routes with)
   */
  readonly routes?: readonly Route[];
}

/** Every prefix of a resource path: `/v1/endpoints/{id}` gives `/v1`, `/v1/endpoints`, `/v1/endpoints/{id}`. */
function prefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * The REST API, generated from the route table, with the two functions behind it: `ingest` for
 * `POST /v1/events` and `api` for everything else. Every method requires IAM (SigV4) auth. Each resource
 * also has an ANY method, and the root a greedy `/{proxy+}`, both served by the api function, so wrong
 * methods get our 405 (with `Allow`) and unknown paths our 404 rather than API Gateway's 403.
 */
export class IngestApi extends Construct {
  public readonly ingestFunction: NodejsFunction;
  public readonly apiFunction: NodejsFunction;
  public readonly api: apigateway.RestApi;
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const { table, queues, environment } = props;
    const routes = props.routes ?? ROUTES;
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    const ingest = new ServiceFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'POST /v1/events: stores the event and its deliveries, queues them',
      environment,
      timeout: Duration.seconds(10),
      logRetention,
    });
    this.ingestFunction = ingest.function;
    table.grantReadWriteData(this.ingestFunction);
    queues.deliveryQueue.grantSendMessages(this.ingestFunction);

    const api = new ServiceFunction(this, 'Api', {
      handler: 'api',
      description: 'Endpoints, deliveries, event types and health; 404/405 for everything unrouted',
      environment,
      // API Gateway's integration limit: the endpoint test route makes one outbound delivery attempt.
      timeout: Duration.seconds(29),
      logRetention,
    });
    this.apiFunction = api.function;
    table.grantReadWriteData(this.apiFunction);
    // Health reports the depth of every queue; replay re-queues deliveries.
    for (const queue of queues.all) queue.grant(this.apiFunction, 'sqs:GetQueueAttributes');
    queues.deliveryQueue.grantSendMessages(this.apiFunction);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.api = new apigateway.RestApi(this, 'RestApi', {
      description: 'Webhook delivery service (IAM auth)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access and execution logging need the account-level CloudWatch role; created here so a first
      // deployment in a fresh account works, and retained because other APIs in the account rely on it.
      cloudWatchRole: true,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const integrations: Record<FunctionName, apigateway.LambdaIntegration> = {
      ingest: new apigateway.LambdaIntegration(this.ingestFunction, { allowTestInvoke: false }),
      // The api function answers every method and path of this API, so one API-scoped invoke permission
      // replaces one per method (the function's resource policy is capped at 20 KB as routes grow).
      api: new apigateway.LambdaIntegration(this.apiFunction, { scopePermissionToMethod: false }),
    };
    const methodOptions: apigateway.MethodOptions = {
      authorizationType: apigateway.AuthorizationType.IAM,
    };

    const resources = new Map<string, apigateway.Resource>();
    for (const route of routes) {
      for (const path of prefixes(route.path)) {
        if (!resources.has(path)) resources.set(path, this.api.root.resourceForPath(path));
      }
      resources.get(route.path)!.addMethod(route.method, integrations[route.fn], methodOptions);
    }
    // Fallbacks: the api function's router answers 404/405 for anything the route table lacks.
    this.api.root.addMethod('ANY', integrations.api, methodOptions);
    for (const resource of resources.values()) resource.addMethod('ANY', integrations.api, methodOptions);
    this.api.root.addResource('{proxy+}').addMethod('ANY', integrations.api, methodOptions);

    acknowledgeDataGrants(this, table);
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Bodies and parameters are validated by the zod schemas in lambdas/domain (shared with the local ' +
          'runtime, with field-level 400s); a second JSON-schema copy in API Gateway would drift.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'IAM-authenticated API for callers inside AWS, with stage throttling; a WAF web ACL is left to ' +
          'the deployer (it costs per ACL and per request).',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Every method uses IAM (SigV4) authorization, not a Cognito user pool.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The account-level API Gateway logging role needs this AWS managed policy.',
      },
    );
  }
}
