import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceApi } from './service-api';
import { ServiceFunction } from './service-function';

export interface ExamplePublisherProps {
  /** The service's API; the function may call `POST /v1/events` on its deployed stage and nothing else. */
  readonly api: ServiceApi;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A product team's publisher in miniature (`lambdas/example-publisher/handler.ts`): a function that
 * publishes the event it is invoked with through the SigV4 publisher client. Its role can invoke the
 * ingest route of the deployed stage and write its own logs; it has no access to the table or queues.
 */
export class ExamplePublisher extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  /** The one execute-api ARN the function may invoke. */
  public readonly ingestRouteArn: string;

  constructor(scope: Construct, id: string, props: ExamplePublisherProps) {
    super(scope, id);
    const { api } = props;

    const publisher = new ServiceFunction(this, 'Publisher', {
      handler: 'example-publisher',
      description: 'Example: publishes the event it is invoked with to POST /v1/events (SigV4)',
      environment: { WEBHOOK_API_URL: api.url },
      // The publisher's worst case: 4 tries of at most 15 s and 3 waits of at most 5 s.
      timeout: Duration.seconds(90),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.function = publisher.function;
    this.role = publisher.role;

    this.ingestRouteArn = api.arnForRoute('POST', '/v1/events');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [this.ingestRouteArn] }),
    );
  }
}
