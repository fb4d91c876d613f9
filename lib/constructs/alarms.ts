import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ApiMetrics } from './service-api';
import { serviceMetric } from './service-metrics';

/** The runbook: every alarm's description ends with a link to its section. */
export const RUNBOOK = 'docs/operations.md';

/** Every alarm looks at one 5-minute window. */
const PERIOD = Duration.minutes(5);

export interface AlarmsProps {
  /** Key that encrypts the alarm topic; CloudWatch is allowed to use it for publishing. */
  readonly encryptionKey: kms.IKey;
  /**
   * Address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription; subscribe to `topic` yourself
   */
  readonly alarmEmail?: string;
  /** The FIFO delivery queue, whose oldest message shows whether deliveries keep moving. */
  readonly deliveryQueue: sqs.IQueue;
  /** The delivery queue's DLQ: any message is a delivery given up on, or an unprocessable message. */
  readonly deliveryDlq: sqs.IQueue;
  /** The retry queue's DLQ: any message is a retry hop the retry function could not move. */
  readonly retryDlq: sqs.IQueue;
  /** Functions whose errors (crashes, timeouts; not reported batch items) and throttles raise an alarm. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly api: ApiMetrics;
  /**
   * Final delivery failures (`DeliveryFailed`) within 5 minutes that raise the alarm.
   * @default 1
   */
  readonly deliveryFailureThreshold?: number;
  /**
   * Age of the oldest delivery message that raises the alarm.
   * @default Duration.minutes(15)
   */
  readonly deliveryQueueAgeThreshold?: Duration;
  /**
   * API 5xx answers within 5 minutes that raise the alarm.
   * @default 5
   */
  readonly api5xxThreshold?: number;
}

/**
 * What needs a human, each alarm on one KMS-encrypted SNS topic: deliveries finally failing, anything in a
 * dead-letter queue, the delivery queue not moving, a function erroring or throttled, the API answering
 * 5xx. Every description says what the alarm means and links to its runbook section.
 */
export class Alarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly deliveryFailures: cloudwatch.Alarm;
  public readonly deliveryQueueAge: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Webhook service alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes to the encrypted topic with the key (key policy, per the SNS encryption docs).
    // Only for this account's alarms in this region: the key also protects the table holding endpoint
    // secrets, so the service principal must not be usable on behalf of anyone else (confused deputy).
    const stack = Stack.of(this);
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      meaning: string,
      runbookSection: string,
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${meaning} Runbook: ${RUNBOOK}#${runbookSection}`,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    const failureThreshold = props.deliveryFailureThreshold ?? 1;
    this.deliveryFailures = alarm(
      'DeliveryFailures',
      serviceMetric('DeliveryFailed', { statistic: 'Sum', period: PERIOD }),
      failureThreshold,
      `${failureThreshold} or more deliveries ended failed within 5 minutes: their receivers did not accept ` +
        'them through the whole retry schedule. Each is in the deliveries log with its attempts, and in the ' +
        'delivery DLQ.',
      'delivery-failures',
    );
    alarm(
      `${props.deliveryDlq.node.id}NotEmpty`,
      props.deliveryDlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      1,
      'The delivery DLQ holds messages: deliveries given up on, or queue messages that could not be ' +
        'processed. Stays in alarm until the DLQ is emptied.',
      'delivery-dlq-not-empty',
    );
    alarm(
      `${props.retryDlq.node.id}NotEmpty`,
      props.retryDlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      1,
      'The retry DLQ holds messages: retry hops the retry function failed to move 5 times. The sweeper ' +
        're-queues those deliveries from the table; the retry function needs a look.',
      'retry-dlq-not-empty',
    );

    const ageThreshold = props.deliveryQueueAgeThreshold ?? Duration.minutes(15);
    this.deliveryQueueAge = alarm(
      'DeliveryQueueAge',
      props.deliveryQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
      ageThreshold.toSeconds(),
      `The oldest message on the delivery queue is ${ageThreshold.toHumanString()} old or more: deliveries ` +
        'are not being consumed (delivery function failing, throttled or at its concurrency cap), one ' +
        "endpoint's backlog is not draining, or a strict-ordering endpoint is holding its group during a " +
        'retry (expected).',
      'delivery-queue-age',
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        1,
        `The ${name} function failed (crash or timeout; reported batch item failures do not count).`,
        'function-errors',
      );
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        1,
        `Lambda throttled the ${name} function: the account's (or the function's) concurrency ran out.`,
        'function-throttles',
      );
    }

    alarm(
      'OperationalEventsUnsent',
      serviceMetric('OperationalEventsUnsent', { statistic: 'Sum', period: PERIOD }),
      1,
      'An operational event (endpoint.disabled, endpoint.enabled or delivery.failed) could not be published ' +
        'to the operational tenant or put on the event bus. The change it reports was made; the function log ' +
        'names the event.',
      'operational-events-unsent',
    );

    const api5xx = props.api5xxThreshold ?? 5;
    alarm(
      'Api5xx',
      props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      api5xx,
      `The API answered 5xx ${api5xx} or more times within 5 minutes: 503 when DynamoDB or SQS could not ` +
        'be reached, 502/504 when a function crashed or timed out behind API Gateway.',
      'api-5xx',
    );
  }
}
