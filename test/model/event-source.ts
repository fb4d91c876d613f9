/**
 * Lambda's SQS event source mapping, played over the SQS model on simulated time: pollers receive
 * batches (up to `batchSize`; 10 at most for FIFO), invoke the handler with an `SQSEvent`, and with
 * ReportBatchItemFailures delete every message the response does not list. A thrown error, an invocation
 * past the function timeout, or a response naming an unknown message id fails the whole batch: nothing
 * is deleted and the messages come back when their visibility timeout ends (AWS Lambda, "Handling errors
 * for an SQS event source").
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SimClock } from './sim-clock';
import type { SqsModel } from './sqs-model';

export type SqsHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse | undefined>;

export interface EventSourceOptions {
  readonly clock: SimClock;
  readonly sqs: SqsModel;
  readonly queueUrl: string;
  readonly handler: SqsHandler;
  readonly batchSize: number;
  /** Concurrent invocations (for FIFO, Lambda scales up to one per active message group). */
  readonly concurrency: number;
  readonly functionTimeoutMs: number;
}

export interface EventSourceStats {
  invocations: number;
  /** Invocations that ran past the function timeout (their batch was not deleted). */
  timeouts: number;
  /** Invocations that threw (whole batch failed). */
  errors: number;
  /** Message ids of the batches that failed whole because of a timeout or a thrown error. */
  readonly wholeBatchFailures: string[];
}

function toRecord(message: Message, queueUrl: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? '0',
      SenderId: attrs.SenderId ?? 'AIDAMODEL',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? '0',
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

const TIMED_OUT = Symbol('timed out');

export class EventSource {
  readonly stats: EventSourceStats = { invocations: 0, timeouts: 0, errors: 0, wholeBatchFailures: [] };
  private running = false;

  constructor(private readonly options: EventSourceOptions) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) void this.poll();
  }

  stop(): void {
    this.running = false;
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl, batchSize } = this.options;
    while (this.running) {
      await sqs.whenReceivable(queueUrl);
      if (!this.running) return;
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages: Message[] = out.Messages ?? [];
      if (messages.length > 0) await this.invoke(messages.map((m) => toRecord(m, queueUrl)));
    }
  }

  private async invoke(records: SQSRecord[]): Promise<void> {
    const { clock, sqs, queueUrl, handler, functionTimeoutMs } = this.options;
    this.stats.invocations++;
    const deadline = clock.now() + functionTimeoutMs;
    const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()) };
    let failed: Set<string>;
    try {
      const result = await Promise.race([
        handler({ Records: records }, context),
        clock.until(deadline).then(() => TIMED_OUT),
      ]);
      if (result === TIMED_OUT) {
        // Lambda stops the invocation; in this simulation its code keeps running, so a timeout here is
        // the lenient case (the late work still happens), see docs/reliability.md.
        this.stats.timeouts++;
        failed = new Set(records.map((r) => r.messageId));
        this.stats.wholeBatchFailures.push(...failed);
      } else {
        const ids = new Set(records.map((r) => r.messageId));
        const listed = ((result as SQSBatchResponse | undefined)?.batchItemFailures ?? []).map(
          (f) => f.itemIdentifier,
        );
        // An identifier that is empty or names no message of the batch fails the whole batch.
        failed = listed.every((id) => id && ids.has(id)) ? new Set(listed) : ids;
      }
    } catch {
      this.stats.errors++;
      failed = new Set(records.map((r) => r.messageId));
      this.stats.wholeBatchFailures.push(...failed);
    }
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }
}
