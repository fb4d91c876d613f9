import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';

/** The API Gateway metrics the alarms and the dashboard read; REST and HTTP APIs both offer them. */
export type ApiMetrics = Pick<
  apigateway.RestApi,
  'metricCount' | 'metricClientError' | 'metricServerError' | 'metricLatency' | 'metricIntegrationLatency'
>;

/** API Gateway's two front doors: an HTTP API (the default) or a REST API. */
export type ApiType = 'http' | 'rest';

/** What the rest of the stack needs of the API, whichever kind it is. */
export interface ServiceApi {
  readonly type: ApiType;
  /** The API construct (`HttpApi` or `RestApi`). */
  readonly construct: IConstruct;
  /**
   * Base URL of the deployed stage, ending in `/`: `https://<id>.execute-api.<region>.amazonaws.com/` for
   * the HTTP API's `$default` stage, `.../prod/` for the REST API. Routes are relative to it.
   */
  readonly url: string;
  readonly metrics: ApiMetrics;
  /** The `execute-api:Invoke` ARN of one route on the deployed stage. */
  arnForRoute(method: string, path: string): string;
}

/** Why the portal's page routes need no authorization (cdk-nag AwsSolutions-APIG4, on either API). */
export const PUBLIC_PORTAL_PAGE = {
  id: 'AwsSolutions-APIG4',
  reason:
    'The portal page and its script and stylesheet are public on purpose: they hold no data, and the page ' +
    'reads its token from the link. Every other route uses IAM or the portal token authorizer.',
} as const;
