import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PORTAL_ROUTES, type PortalRoute, ROUTES, type Route } from '../../lambdas/http/routes';
import { HttpServiceApi } from './http-api';
import { acknowledgeDataGrants } from './nag';
import type { Portal } from './portal';
import type { Queues } from './queues';
import { RestServiceApi } from './rest-api';
import type { ApiType, ServiceApi } from './service-api';
import { type FunctionSetup, ServiceFunction } from './service-function';

export interface ApiThrottle {
  /** Steady-state requests per second across the stage. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

export interface IngestApiProps {
  readonly table: dynamodb.Table;
  readonly queues: Queues;
  /** Environment and bundled files of each function. */
  readonly setup: FunctionSetup;
  /**
   * `http` (API Gateway HTTP API) or `rest` (REST API, for WAF, private endpoints, resource policies).
   * @default 'http'
   */
  readonly apiType?: ApiType;
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
  /**
   * The tenant portal: its routes (PORTAL_ROUTES) are added, the token routes behind its authorizer, and
   * the api function may derive the token key.
   * @default no portal
   */
  readonly portal?: Pick<Portal, 'authorizerFunction' | 'grantTokens'>;
  /** @default PORTAL_ROUTES */
  readonly portalRoutes?: readonly PortalRoute[];
}

/**
 * The API with the two functions behind it: `ingest` for `POST /v1/events` and `api` for everything else,
 * IAM (SigV4) auth on every route of the route table. With a portal, its page routes are public and its
 * `/portal/v1/...` routes go through the portal's token authorizer. An HTTP API by default, a REST API
 * with `apiType: 'rest'`; both send unrouted requests (IAM-authorized) to the api function for its 404/405.
 */
export class IngestApi extends Construct {
  public readonly ingestFunction: NodejsFunction;
  public readonly apiFunction: NodejsFunction;
  public readonly api: ServiceApi;
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const { table, queues, setup } = props;
    const routes = props.routes ?? ROUTES;
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    const ingest = new ServiceFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'POST /v1/events: stores the event and its deliveries, queues them',
      ...setup.of('ingest'),
      timeout: Duration.seconds(10),
      logRetention,
    });
    this.ingestFunction = ingest.function;
    table.grantReadWriteData(this.ingestFunction);
    queues.deliveryQueue.grantSendMessages(this.ingestFunction);

    const api = new ServiceFunction(this, 'Api', {
      handler: 'api',
      description: 'Endpoints, deliveries, event types and health; 404/405 for everything unrouted',
      ...setup.of('api'),
      // API Gateway's integration limit: the endpoint test route makes one outbound delivery attempt.
      timeout: Duration.seconds(29),
      logRetention,
    });
    this.apiFunction = api.function;
    table.grantReadWriteData(this.apiFunction);
    // Health reports the depth of every queue; replay re-queues deliveries.
    for (const queue of queues.all) queue.grant(this.apiFunction, 'sqs:GetQueueAttributes');
    queues.deliveryQueue.grantSendMessages(this.apiFunction);
    props.portal?.grantTokens(this.apiFunction);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention });
    const front = {
      functions: { ingest: this.ingestFunction, api: this.apiFunction },
      routes,
      throttle,
      accessLogGroup: this.accessLogGroup,
      ...(props.portal
        ? {
            portal: {
              authorizer: props.portal.authorizerFunction,
              routes: props.portalRoutes ?? PORTAL_ROUTES,
            },
          }
        : {}),
    };
    this.api =
      (props.apiType ?? 'http') === 'http'
        ? new HttpServiceApi(this, 'Http', front)
        : new RestServiceApi(this, 'Rest', front);

    acknowledgeDataGrants(this, table);
  }
}
