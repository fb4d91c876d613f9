import { Duration, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpIamAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName, PortalRoute, Route } from '../../lambdas/http/routes';
import type { ApiThrottle } from './ingest-api';
import { PUBLIC_PORTAL_PAGE, type ServiceApi } from './service-api';

export interface HttpServiceApiProps {
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  readonly routes: readonly Route[];
  readonly throttle: ApiThrottle;
  readonly accessLogGroup: logs.ILogGroup;
  /** The tenant portal's routes (served by the api function) and the authorizer of its token routes. */
  readonly portal?: { readonly routes: readonly PortalRoute[]; readonly authorizer: IFunction };
}

/**
 * How long API Gateway keeps an authorizer's answer for one token. A token that expires meanwhile still
 * passes the gate, and the api function, which checks it again, answers 401 (expired).
 */
export const PORTAL_AUTHORIZER_CACHE = Duration.minutes(5);

/**
 * Access log fields an HTTP API can fill (its `$context` differs from the REST API's): one JSON line per
 * request, with the caller's IAM identity.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  userArn: '$context.identity.userArn',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});

/**
 * The HTTP API (`AWS::ApiGatewayV2::Api`): a route per entry of the route table, each with IAM (SigV4)
 * authorization, and a `$default` route, also IAM-authorized, that sends everything else to the api
 * function, whose router answers 404 or 405 with `Allow`. Lambda integrations use payload format 1.0, the
 * REST API's event shape, so the handlers read one shape behind either API. One `$default` stage (no
 * stage segment in the URL) with throttling and JSON access logs.
 */
export class HttpServiceApi extends Construct implements ServiceApi {
  public readonly type = 'http' as const;
  public readonly httpApi: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly construct: apigwv2.HttpApi;
  public readonly metrics: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: HttpServiceApiProps) {
    super(scope, id);
    const authorizer = new HttpIamAuthorizer();
    const integrations: Record<FunctionName, HttpLambdaIntegration> = {
      ingest: new HttpLambdaIntegration('Ingest', props.functions.ingest, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0,
      }),
      // The api function answers every route and the $default route: one API-scoped invoke permission
      // instead of one per route (its resource policy is capped at 20 KB as routes grow).
      api: new HttpLambdaIntegration('Api', props.functions.api, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0,
        scopePermissionToRoute: false,
      }),
    };

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Webhook delivery service (IAM auth)',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      // The `$default` route: anything no route matches, answered 404/405 by the api function's router.
      defaultIntegration: integrations.api,
    });
    this.construct = this.httpApi;
    this.metrics = this.httpApi;
    for (const route of props.routes) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrations[route.fn],
        authorizer,
      });
    }
    if (props.portal) this.addPortalRoutes(props.portal, integrations.api);

    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(props.accessLogGroup),
        format: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
  }

  /**
   * The portal: its page and assets with no authorization (the page holds no data; its token stays in
   * the link's fragment), its API behind the token authorizer (simple responses: a refused token is
   * API Gateway's 403, a missing one its 401).
   */
  private addPortalRoutes(portal: NonNullable<HttpServiceApiProps['portal']>, api: HttpLambdaIntegration) {
    const tokens = new HttpLambdaAuthorizer('PortalTokens', portal.authorizer, {
      authorizerName: 'portal-token',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: PORTAL_AUTHORIZER_CACHE,
    });
    const none = new apigwv2.HttpNoneAuthorizer();
    for (const route of portal.routes) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: api,
        authorizer: route.auth === 'public' ? none : tokens,
      });
    }
    Validations.of(this.httpApi).acknowledge(PUBLIC_PORTAL_PAGE);
  }

  get url(): string {
    return this.stage.url;
  }

  arnForRoute(method: string, path: string): string {
    return this.httpApi.arnForExecuteApi(method, path, this.stage.stageName);
  }
}
