import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DependencyUnavailableError } from '../domain/errors';
import { deduplicationId } from '../domain/messages';
import type { DeliveryMessage } from '../domain/model';
import type { DeliveryQueues } from '../domain/ports';
import { MAX_TIMER_SECONDS } from '../domain/retry-policy';
import { callAws } from './aws-errors';

export interface SqsQueuesOptions {
  readonly client: SQSClient;
  readonly deliveryQueueUrl: string;
  readonly deliveryDlqUrl: string;
  readonly retryQueueUrl: string;
  /** Rounds of resending the entries SendMessageBatch reports failed, before giving up. */
  readonly batchRetries?: number;
}

/** DeliveryQueues on SQS: the FIFO delivery queue, its DLQ, and the standard retry (delay) queue. */
export class SqsQueues implements DeliveryQueues {
  constructor(private readonly options: SqsQueuesOptions) {}

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries: SendMessageBatchRequestEntry[] = messages.slice(i, i + 10).map((m, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify(m),
        MessageGroupId: m.endpointId,
        MessageDeduplicationId: deduplicationId(m),
      }));
      await this.sendBatch(entries);
    }
  }

  /**
   * SendMessageBatch answers 200 even when some entries failed; those come back under `Failed`. They are
   * resent a few times and, if still failing, surfaced as an error: never ignored.
   */
  private async sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    const rounds = this.options.batchRetries ?? 3;
    for (let round = 0; pending.length > 0; round++) {
      const batch = pending;
      const out = await callAws('sqs', () =>
        this.options.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.options.deliveryQueueUrl, Entries: batch }),
        ),
      );
      const failed = out.Failed ?? [];
      if (failed.length === 0) return;
      const senderFault = failed.find((f) => f.SenderFault);
      if (senderFault)
        throw new Error(`SQS rejected a delivery message: ${senderFault.Code} ${senderFault.Message ?? ''}`);
      if (round >= rounds) {
        throw new DependencyUnavailableError('sqs', {
          cause: new Error(`${failed.length} messages failed after ${rounds} resends: ${failed[0]?.Code}`),
        });
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = batch.filter((e) => failedIds.has(e.Id));
      await new Promise((r) => setTimeout(r, 50 * 2 ** round));
    }
  }

  async delay(message: DeliveryMessage, delaySeconds: number): Promise<void> {
    // AWS caps message timers at 900 s; the local emulator accepts more, so the rule is enforced here.
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_TIMER_SECONDS) {
      throw new RangeError(
        `DelaySeconds must be an integer from 0 to ${MAX_TIMER_SECONDS}, got ${delaySeconds}`,
      );
    }
    await callAws('sqs', () =>
      this.options.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.retryQueueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: delaySeconds,
        }),
      ),
    );
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await callAws('sqs', () =>
      this.options.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.deliveryDlqUrl,
          MessageBody: JSON.stringify({ ...message, reason }),
          MessageGroupId: message.endpointId,
          MessageDeduplicationId: `${message.deliveryId}-dead-${message.attempt}`,
        }),
      ),
    );
  }

  async hold(receiptHandle: string, seconds: number): Promise<void> {
    await callAws('sqs', () =>
      this.options.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.deliveryQueueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      ),
    );
  }
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** Approximate depth of each queue, keyed by queue name (the last segment of its URL). */
export async function queueDepths(
  client: SQSClient,
  queueUrls: readonly string[],
): Promise<Record<string, QueueDepth>> {
  const entries = await Promise.all(
    queueUrls.map(async (url) => {
      const out = await callAws('sqs', () =>
        client.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        ),
      );
      const a = out.Attributes ?? {};
      const depth: QueueDepth = {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
      return [url.split('/').pop() ?? url, depth] as const;
    }),
  );
  return Object.fromEntries(entries);
}
