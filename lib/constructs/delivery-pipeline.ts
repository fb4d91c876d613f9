import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DELIVERY_BATCH_SIZE } from '../resources';
import { acknowledgeDataGrants } from './nag';
import type { Queues } from './queues';
import { type FunctionSetup, ServiceFunction } from './service-function';

export interface DeliveryPipelineProps {
  readonly table: dynamodb.Table;
  readonly queues: Queues;
  /** Environment and bundled files of each function. */
  readonly setup: FunctionSetup;
  /** Timeout of the delivery function (see `deliveryFunctionTimeoutSeconds` in lambdas/settings/resources.ts). */
  readonly deliveryFunctionTimeout: Duration;
  /**
   * Maximum concurrent delivery invocations the event source starts (2 to 1000).
   * @default 20
   */
  readonly deliveryConcurrency?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The asynchronous half: the delivery function consuming the FIFO queue, the retry function moving due
 * retries from the delay queue back into their FIFO group, and the sweeper that re-enqueues what nothing
 * carries any more, every minute.
 */
export class DeliveryPipeline extends Construct {
  public readonly deliveryFunction: NodejsFunction;
  public readonly retryFunction: NodejsFunction;
  public readonly sweeperFunction: NodejsFunction;
  public readonly sweepRule: events.Rule;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const { table, queues, setup } = props;

    const delivery = new ServiceFunction(this, 'Delivery', {
      handler: 'delivery',
      ...setup.of('delivery'),
      description: 'Signs and POSTs queued deliveries, records attempts, schedules retries',
      timeout: props.deliveryFunctionTimeout,
      memorySize: 512,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.deliveryFunction = delivery.function;
    table.grantReadWriteData(this.deliveryFunction);
    // Consuming includes sqs:ChangeMessageVisibility, which holds a strict-ordering group until its retry.
    this.deliveryFunction.addEventSource(
      new SqsEventSource(queues.deliveryQueue, {
        batchSize: DELIVERY_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.deliveryConcurrency ?? 20,
      }),
    );
    queues.retryQueue.grantSendMessages(this.deliveryFunction);
    // Operational events (delivery.failed, endpoint.disabled) are published into the pipeline.
    queues.deliveryQueue.grantSendMessages(this.deliveryFunction);
    queues.deliveryDlq.grantSendMessages(this.deliveryFunction);

    const retry = new ServiceFunction(this, 'Retry', {
      handler: 'retry',
      ...setup.of('retry'),
      description: 'Releases due retries into their FIFO group; re-delays the rest',
      timeout: Duration.seconds(30),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.retryFunction = retry.function;
    this.retryFunction.addEventSource(
      new SqsEventSource(queues.retryQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    queues.retryQueue.grantSendMessages(this.retryFunction);
    queues.deliveryQueue.grantSendMessages(this.retryFunction);

    const sweeper = new ServiceFunction(this, 'Sweeper', {
      handler: 'sweeper',
      ...setup.of('sweeper'),
      description: 'Re-enqueues pending deliveries that no queue message carries any more',
      timeout: Duration.seconds(50),
      // A missed or failed tick is made up by the next one a minute later.
      retryAttempts: 0,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    this.sweeperFunction = sweeper.function;
    table.grantReadWriteData(this.sweeperFunction);
    queues.deliveryQueue.grantSendMessages(this.sweeperFunction);
    queues.retryQueue.grantSendMessages(this.sweeperFunction);
    this.sweepRule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the delivery sweeper',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.sweeperFunction, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    acknowledgeDataGrants(this, table);
  }
}
