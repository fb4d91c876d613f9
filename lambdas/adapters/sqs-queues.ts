import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
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

/** SQS message timers stop at 900 s; longer waits are made of several hops. */
export const MAX_TIMER_SECONDS = 900;
/** SQS visibility timeout ceiling (12 h): a longer strict-ordering wait is held again when it comes back. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** SendMessageBatch takes at most 1 MiB in all; a margin covers attributes. */
const MAX_BATCH_BYTES = 1_000_000;

import { callAws } from './aws-errors';

export interface SqsQueuesOptions {
  readonly client: SQSClient;
  readonly deliveryQueueUrl: string;
  readonly deliveryDlqUrl: string;
  readonly retryQueueUrl: string;
  /** Rounds of resending the entries SendMessageBatch reports failed, before giving up. */
  readonly batchRetries?: number;
  /** Epoch ms now; for turning due times into timers and visibility timeouts. */
  readonly now?: () => number;
}

/** Seconds of a retry-queue hop towards `dueAt`: the remaining time, rounded up, at most 900 s. */
export function hopSeconds(dueAt: number, now: number): number {
  return Math.min(Math.max(0, Math.ceil((dueAt - now) / 1000)), MAX_TIMER_SECONDS);
}

/** DeliveryQueues on SQS: the FIFO delivery queue, its DLQ, and the standard retry (delay) queue. */
export class SqsQueues implements DeliveryQueues {
  constructor(private readonly options: SqsQueuesOptions) {}

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    // In order, 10 messages or 1 MiB a call, whichever comes first.
    let batch: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    for (const m of messages) {
      const body = JSON.stringify(m);
      const size = Buffer.byteLength(body, 'utf8');
      if (batch.length === 10 || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        await this.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({
        Id: String(batch.length),
        MessageBody: body,
        MessageGroupId: m.endpointId,
        MessageDeduplicationId: deduplicationId(m),
      });
      bytes += size;
    }
    if (batch.length > 0) await this.sendBatch(batch);
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

  async delay(message: DeliveryMessage & { readonly dueAt: number }): Promise<void> {
    // AWS caps message timers at 900 s (the local emulator accepts more): longer waits are several hops.
    const delaySeconds = hopSeconds(message.dueAt, this.now());
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

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  async deadLetter(message: DeliveryMessage | { readonly raw: string }, reason: string): Promise<void> {
    const known = 'deliveryId' in message;
    const body = known ? { ...message, reason } : { raw: message.raw, reason };
    await callAws('sqs', () =>
      this.options.client.send(
        new SendMessageCommand({
          QueueUrl: this.options.deliveryDlqUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: known ? message.endpointId : 'unprocessable',
          MessageDeduplicationId: known
            ? `${message.deliveryId}-dead-${message.round}-${message.attempt}`
            : createHash('sha256').update(message.raw).digest('hex'),
        }),
      ),
    );
  }

  async release(receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const batch = receiptHandles.slice(i, i + 10);
      await callAws('sqs', () =>
        this.options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.deliveryQueueUrl,
            Entries: batch.map((handle, j) => ({
              Id: String(j),
              ReceiptHandle: handle,
              VisibilityTimeout: 0,
            })),
          }),
        ),
      );
    }
  }

  async holdUntil(receiptHandle: string, until: number): Promise<void> {
    const seconds = Math.min(Math.max(0, Math.ceil((until - this.now()) / 1000)), MAX_VISIBILITY_SECONDS);
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
