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
