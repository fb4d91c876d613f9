import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DELIVERY_DLQ,
  DELIVERY_QUEUE,
  deliveryMaxReceiveCount,
  deliveryVisibilitySeconds,
  type QueueDefinition,
  RETRY_DLQ,
  RETRY_QUEUE,
  RETRY_QUEUE_MAX_RECEIVES,
} from '../resources';

export interface QueuesProps {
  /** Customer managed key that encrypts every queue. */
  readonly encryptionKey: kms.IKey;
  /** Timeout of the delivery function; the delivery queue's visibility timeout is derived from it. */
  readonly deliveryFunctionTimeout: Duration;
  /** Number of retries in the schedule; the delivery queue's `maxReceiveCount` is derived from it. */
  readonly retryCount: number;
}

/**
 * The four queues of `lib/resources.ts`: the FIFO delivery queue (one message group per endpoint) with
 * its FIFO DLQ, and the standard retry (delay) queue with its DLQ. All KMS-encrypted with the stack key
 * and refusing non-TLS requests.
 */
export class Queues extends Construct {
  public readonly deliveryQueue: sqs.Queue;
  public readonly deliveryDlq: sqs.Queue;
  public readonly retryQueue: sqs.Queue;
  public readonly retryDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);

    const queue = (definition: QueueDefinition, extra: Partial<sqs.QueueProps> = {}) =>
      new sqs.Queue(this, definition.id, {
        fifo: definition.fifo ? true : undefined,
        retentionPeriod: Duration.seconds(definition.retentionSeconds),
        visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.encryptionKey,
        enforceSSL: true,
        ...extra,
      });

    this.deliveryDlq = queue(DELIVERY_DLQ);
    this.deliveryQueue = queue(DELIVERY_QUEUE, {
      // Every message carries an explicit MessageDeduplicationId (delivery id + attempt).
      contentBasedDeduplication: false,
      // High-throughput FIFO: limits apply per message group (endpoint), not per queue.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(
        deliveryVisibilitySeconds(props.deliveryFunctionTimeout.toSeconds()),
      ),
      deadLetterQueue: {
        queue: this.deliveryDlq,
        maxReceiveCount: deliveryMaxReceiveCount(props.retryCount),
      },
    });

    this.retryDlq = queue(RETRY_DLQ);
    this.retryQueue = queue(RETRY_QUEUE, {
      deadLetterQueue: { queue: this.retryDlq, maxReceiveCount: RETRY_QUEUE_MAX_RECEIVES },
    });
  }

  /** Every queue: delivery, its DLQ, retry, its DLQ. */
  get all(): readonly sqs.Queue[] {
    return [this.deliveryQueue, this.deliveryDlq, this.retryQueue, this.retryDlq];
  }
}
