/**
 * Stands in for Lambda's SQS event source mapping: receives batches, hands them to the real handler as an
 * `SQSEvent`, and deletes only what the handler did not list in `batchItemFailures` (all of the batch is
 * left on the queue if the handler throws), exactly as Lambda does with ReportBatchItemFailures.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsHandler;
  /** Concurrent "invocations" (Lambda scales a FIFO source up to one per active message group). */
  readonly concurrency: number;
  readonly batchSize?: number;
  /** The function timeout the handler is told about through `getRemainingTimeInMillis`. */
  readonly functionTimeoutMs: number;
  readonly waitTimeSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

function toRecord(message: Message, queueUrl: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attrs.MessageGroupId ? { MessageGroupId: attrs.MessageGroupId } : {}),
      ...(attrs.MessageDeduplicationId ? { MessageDeduplicationId: attrs.MessageDeduplicationId } : {}),
      ...(attrs.SequenceNumber ? { SequenceNumber: attrs.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`,
    awsRegion: 'us-east-1',
  };
}

export interface Poller {
  stop(): Promise<void>;
}

export function startPoller(options: PollerOptions): Poller {
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const out = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0 || !running) continue;
        const records = messages.map((m) => toRecord(m, options.queueUrl));
        const deadline = Date.now() + options.functionTimeoutMs;
        let failed: Set<string>;
        try {
          const response = await options.handler(
            { Records: records },
            { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) },
          );
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          failed = new Set(records.map((r) => r.messageId));
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          const result = await options.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
          if (result.Failed?.length)
            options.onError?.(new Error(`delete failed for ${result.Failed.length} messages`));
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.allSettled(loops);
    },
  };
}
