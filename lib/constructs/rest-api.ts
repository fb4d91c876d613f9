import { Duration, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName, PortalRoute, Route } from '../../lambdas/http/routes';
import type { ApiThrottle } from './ingest-api';
import { PUBLIC_PORTAL_PAGE, type ServiceApi } from './service-api';

export interface RestServiceApiProps {
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  readonly routes: readonly Route[];
  readonly throttle: ApiThrottle;
  readonly accessLogGroup: logs.ILogGroup;
  /** The tenant portal's routes (served by the api function) and the authorizer of its token routes. */
  readonly portal?: { readonly routes: readonly PortalRoute[]; readonly authorizer: IFunction };
}

/** Every prefix of a resource path: `/v1/endpoints/{id}` gives `/v1`, `/v1/endpoints`, `/v1/endpoints/{id}`. */
function prefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * The REST API (`apiType=rest`), for deployments that need what only it has: a WAF web ACL, a private
 * endpoint, a resource policy. Generated from the route table; every method requires IAM (SigV4) auth.
 * Each resource also has an ANY method, and the root a greedy `/{proxy+}`, both served by the api
 * function, so wrong methods get our 405 (with `Allow`) and unknown paths our 404 rather than API
 * Gateway's 403. Stage `prod` with throttling, X-Ray and access logs.
 */
export class RestServiceApi extends Construct implements ServiceApi {
  public readonly type = 'rest' as const;
  public readonly restApi: apigateway.RestApi;
  public readonly construct: apigateway.RestApi;
  public readonly metrics: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: RestServiceApiProps) {
    super(scope, id);
    const { throttle } = props;
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
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
        accessLogDestination: new apigateway.LogGroupLogDestination(props.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.construct = this.restApi;
    this.metrics = this.restApi;

    const integrations: Record<FunctionName, apigateway.LambdaIntegration> = {
      ingest: new apigateway.LambdaIntegration(props.functions.ingest, { allowTestInvoke: false }),
      // The api function answers every method and path of this API, so one API-scoped invoke permission
      // replaces one per method (the function's resource policy is capped at 20 KB as routes grow).
      api: new apigateway.LambdaIntegration(props.functions.api, { scopePermissionToMethod: false }),
    };
    const methodOptions: apigateway.MethodOptions = {
      authorizationType: apigateway.AuthorizationType.IAM,
    };

    const resources = new Map<string, apigateway.Resource>();
    for (const route of props.routes) {
      for (const path of prefixes(route.path)) {
        if (!resources.has(path)) resources.set(path, this.restApi.root.resourceForPath(path));
      }
      resources.get(route.path)!.addMethod(route.method, integrations[route.fn], methodOptions);
    }
    if (props.portal) {
      // The page and its assets are public (they hold no data); the portal API is behind the token
      // authorizer, whose cached policy covers every portal route for that token.
      const tokens = new apigateway.RequestAuthorizer(this, 'PortalTokens', {
        authorizerName: 'portal-token',
        handler: props.portal.authorizer,
        identitySources: [apigateway.IdentitySource.header('Authorization')],
        resultsCacheTtl: Duration.minutes(5),
      });
      for (const route of props.portal.routes) {
        for (const path of prefixes(route.path)) {
          if (!resources.has(path)) resources.set(path, this.restApi.root.resourceForPath(path));
        }
        resources
          .get(route.path)!
          .addMethod(
            route.method,
            integrations.api,
            route.auth === 'public'
              ? { authorizationType: apigateway.AuthorizationType.NONE }
              : { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer: tokens },
          );
      }
      Validations.of(this.restApi).acknowledge(PUBLIC_PORTAL_PAGE);
    }
    // Fallbacks: the api function's router answers 404/405 for anything the route table lacks.
    this.restApi.root.addMethod('ANY', integrations.api, methodOptions);
    for (const resource of resources.values()) resource.addMethod('ANY', integrations.api, methodOptions);
    this.restApi.root.addResource('{proxy+}').addMethod('ANY', integrations.api, methodOptions);

    Validations.of(this.restApi).acknowledge(
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

  /** `https://<id>.execute-api.<region>.amazonaws.com/prod/` */
  get url(): string {
    return this.restApi.url;
  }

  arnForRoute(method: string, path: string): string {
    return this.restApi.arnForExecuteApi(method, path, this.restApi.deploymentStage.stageName);
  }
}
