/**
 * An in-memory model of Amazon SQS as AWS documents it (not as the local emulator behaves), on a simulated
 * clock. It answers the AWS SDK v3 commands the project uses through `send(command)`, so the project's real
 * adapter (`lambdas/adapters/sqs-queues.ts`) runs over it unchanged. Each rule and the AWS page it comes
 * from is listed in docs/reliability.md ("The SQS semantics model").
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SimClock } from './sim-clock';
import {
  checkBatch,
  clientError,
  DEDUP_INTERVAL_MS,
  MAX_BATCH,
  MAX_DELAY_SECONDS,
  MAX_VISIBILITY_SECONDS,
  type ModelEvent,
  type ModelMessage,
  ModelQueue,
  type ModelQueueConfig,
  pickForReceive,
  receivableNow,
} from './sqs-model-rules';

export type { ModelEvent, ModelMessage, ModelQueueConfig } from './sqs-model-rules';

export interface SqsModelOptions {
  readonly clock: SimClock;
  readonly queues: readonly ModelQueueConfig[];
  /** Seeded randomness for injected duplicates. */
  readonly random?: () => number;
  /**
   * AWS may fill a FIFO receive with other groups' messages once one group has no more (the default, as
   * "FIFO queue delivery logic" says); false returns one group per receive.
   */
  readonly mixGroups?: boolean;
}

export class SqsModel {
  private readonly queues = new Map<string, ModelQueue>();
  private seq = 0;
  private handles = 0;
  readonly events: ModelEvent[] = [];
  /** Every command's name, in order, for tests that count calls. */
  readonly calls: string[] = [];
  /** How many times each message (by body) was handed out, for tests of what a receive costs. */
  readonly receivesByBody = new Map<string, number>();

  constructor(private readonly options: SqsModelOptions) {
    for (const config of options.queues) {
      if (config.fifo !== config.name.endsWith('.fifo'))
        throw new Error(`queue ${config.name}: FIFO queue names end in .fifo, others do not`);
      this.queues.set(config.name, new ModelQueue(config));
    }
    for (const config of options.queues) {
      const dlq = config.redrive && this.queues.get(config.redrive.deadLetterQueue);
      if (config.redrive && !dlq) throw new Error(`queue ${config.name}: no dead-letter queue`);
      if (dlq && dlq.config.fifo !== config.fifo)
        throw new Error(
          `queue ${config.name}: the DLQ of a FIFO queue must be FIFO, of a standard one standard`,
        );
    }
  }

  static urlOf(name: string): string {
    return `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;
  }

  /** This model typed as the SDK client the adapter expects. */
  asClient(): SQSClient {
    return this as unknown as SQSClient;
  }

  /** Messages still stored in a queue (visible, delayed or in flight), retention applied. */
  contents(name: string): ModelMessage[] {
    const queue = this.queue(SqsModel.urlOf(name));
    this.expire(queue);
    return [...queue.messages];
  }

  /**
   * Resolves once a receive on `url` might return something: a message is sent or made visible, or the
   * earliest hidden message's timer or visibility runs out. Lambda's pollers are AWS-internal; an empty
   * receive changes no message, so waiting here is what an endless series of empty long polls amounts to.
   */
  whenReceivable(url: string): Promise<void> {
    const queue = this.queue(url);
    this.expire(queue);
    const now = this.options.clock.now();
    if (receivableNow(queue, now)) return Promise.resolve();
    const hidden = queue.messages.filter((m) => m.availableAt > now).map((m) => m.availableAt);
    const waits: Promise<void>[] = [queue.nextChange()];
    if (hidden.length > 0) waits.push(this.options.clock.until(Math.min(...hidden)));
    return Promise.race(waits);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the SDK's send is generic over every command type
  async send(command: any): Promise<any> {
    this.calls.push(command.constructor.name);
    if (command instanceof SendMessageCommand) return this.sendMessage(command.input);
    if (command instanceof SendMessageBatchCommand) return this.sendBatch(command.input);
    if (command instanceof ReceiveMessageCommand) return this.receive(command.input);
    if (command instanceof DeleteMessageCommand) {
      this.deleteMessage(this.queue(command.input.QueueUrl), command.input.ReceiptHandle);
      return {};
    }
    if (command instanceof DeleteMessageBatchCommand) {
      const queue = this.queue(command.input.QueueUrl);
      const entries = checkBatch(command.input.Entries);
      for (const e of entries) this.deleteMessage(queue, e.ReceiptHandle);
      return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      const { QueueUrl, ReceiptHandle, VisibilityTimeout } = command.input;
      this.changeVisibility(this.queue(QueueUrl), ReceiptHandle, VisibilityTimeout);
      return {};
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      const queue = this.queue(command.input.QueueUrl);
      const entries = checkBatch(command.input.Entries);
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
      for (const e of entries) {
        try {
          this.changeVisibility(queue, e.ReceiptHandle, e.VisibilityTimeout);
          Successful.push({ Id: e.Id! });
        } catch (error) {
          const err = error as Error;
          Failed.push({ Id: e.Id!, Code: err.name, SenderFault: true, Message: err.message });
        }
      }
      return { Successful, Failed };
    }
    if (command instanceof GetQueueAttributesCommand) return this.attributes(command.input.QueueUrl);
    throw new Error(`SqsModel: ${command.constructor.name} is not modelled`);
  }

  private queue(url: string | undefined): ModelQueue {
    const name = url?.split('/').pop() ?? '';
    const queue = this.queues.get(name);
    if (!queue) throw clientError('QueueDoesNotExist', `The specified queue ${name} does not exist.`);
    return queue;
  }

  /** Retention: a message older than the queue's retention period is deleted silently. */
  private expire(queue: ModelQueue): void {
    const now = this.options.clock.now();
    const limit = queue.config.retentionSeconds * 1000;
    for (let i = queue.messages.length - 1; i >= 0; i--) {
      const m = queue.messages[i]!;
      if (now - m.sentAt >= limit) {
        queue.messages.splice(i, 1);
        this.events.push({ kind: 'expired', queue: queue.config.name, at: now, message: m });
      }
    }
  }

  /** Validates and stores one message; returns its id, or throws the error AWS would answer with. */
  private enqueue(
    queue: ModelQueue,
    entry: Pick<SendMessageBatchRequestEntry, 'MessageBody' | 'DelaySeconds' | 'MessageGroupId'> & {
      MessageDeduplicationId?: string | undefined;
    },
  ): { MessageId: string; SequenceNumber?: string } {
    const now = this.options.clock.now();
    const { fifo } = queue.config;
    if (!entry.MessageBody) throw clientError('InvalidParameterValue', 'MessageBody must not be empty.');
    if (entry.DelaySeconds !== undefined) {
      if (fifo)
        throw clientError(
          'InvalidParameterValue',
          'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
        );
      if (
        !Number.isInteger(entry.DelaySeconds) ||
        entry.DelaySeconds < 0 ||
        entry.DelaySeconds > MAX_DELAY_SECONDS
      )
        throw clientError(
          'InvalidParameterValue',
          `Value ${entry.DelaySeconds} for parameter DelaySeconds is invalid. Reason: must be between 0 and ${MAX_DELAY_SECONDS}.`,
        );
    }
    if (fifo) {
      if (!entry.MessageGroupId)
        throw clientError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      if (!entry.MessageDeduplicationId)
        throw clientError(
          'InvalidParameterValue',
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      const seen = queue.dedup.get(this.dedupKey(queue, entry.MessageGroupId, entry.MessageDeduplicationId));
      // Accepted, but not delivered again: the answer is the first copy's id.
      if (seen && now - seen.at < DEDUP_INTERVAL_MS) return { MessageId: seen.messageId };
    } else if (entry.MessageDeduplicationId !== undefined) {
      throw clientError('InvalidParameterValue', 'MessageDeduplicationId is only valid for FIFO queues.');
    }
    const seq = ++this.seq;
    const message: ModelMessage = {
      messageId: `m-${seq}`,
      body: entry.MessageBody,
      ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
      ...(entry.MessageDeduplicationId ? { dedupId: entry.MessageDeduplicationId } : {}),
      seq,
      sentAt: now,
      availableAt: now + (entry.DelaySeconds ?? 0) * 1000,
      receiveCount: 0,
    };
    queue.messages.push(message);
    if (fifo && entry.MessageDeduplicationId)
      queue.dedup.set(this.dedupKey(queue, entry.MessageGroupId!, entry.MessageDeduplicationId), {
        at: now,
        messageId: message.messageId,
      });
    queue.changed();
    return { MessageId: message.messageId, ...(fifo ? { SequenceNumber: String(seq) } : {}) };
  }

  private dedupKey(queue: ModelQueue, groupId: string, dedupId: string): string {
    return queue.config.deduplicationScope === 'messageGroup' ? `${groupId}\u0000${dedupId}` : dedupId;
  }

  private sendMessage(input: SendMessageCommand['input']) {
    return this.enqueue(this.queue(input.QueueUrl), input);
  }

  /** SendMessageBatch answers 200; entries that break a rule come back under `Failed` (sender fault). */
  private sendBatch(input: SendMessageBatchCommand['input']) {
    const queue = this.queue(input.QueueUrl);
    const entries = checkBatch(input.Entries);
    const Successful: { Id: string; MessageId: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    for (const e of entries) {
      try {
        Successful.push({ Id: e.Id!, ...this.enqueue(queue, e) });
      } catch (error) {
        const err = error as Error;
        Failed.push({ Id: e.Id!, Code: err.name, SenderFault: true, Message: err.message });
      }
    }
    return { Successful, Failed };
  }

  /** Moves a message to its queue's DLQ (redrive), as SQS does instead of returning it once more. */
  private redrive(queue: ModelQueue, message: ModelMessage): void {
    const dlq = this.queues.get(queue.config.redrive!.deadLetterQueue)!;
    const now = this.options.clock.now();
    queue.messages.splice(queue.messages.indexOf(message), 1);
    const { receipt: _r, ...rest } = message;
    // A FIFO DLQ resets the enqueue time; a standard one keeps the original.
    dlq.messages.push({ ...rest, sentAt: dlq.config.fifo ? now : message.sentAt, availableAt: now });
    this.events.push({ kind: 'redriven', queue: queue.config.name, at: now, message });
    dlq.changed();
  }

  private receive(input: ReceiveMessageCommand['input']): { Messages?: Message[] } {
    const queue = this.queue(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH)
      throw clientError('InvalidParameterValue', `MaxNumberOfMessages must be from 1 to ${MAX_BATCH}.`);
    const visibility = input.VisibilityTimeout ?? queue.config.visibilityTimeoutSeconds;
    this.expire(queue);
    const now = this.options.clock.now();
    const limit = queue.config.redrive?.maxReceiveCount ?? Number.POSITIVE_INFINITY;

    const picked = pickForReceive(queue, now, max, limit, this.options.mixGroups !== false, (m) =>
      this.redrive(queue, m),
    );

    // Every receive counts against every message it returns, whatever the consumer does with it.
    for (const m of picked) {
      m.receiveCount++;
      this.receivesByBody.set(m.body, (this.receivesByBody.get(m.body) ?? 0) + 1);
      m.firstReceiveAt ??= now;
      m.receipt = `rh-${m.messageId}-${++this.handles}`;
      m.availableAt = now + visibility * 1000;
    }
    if (picked.length === 0) return {};
    return {
      Messages: picked.map((m) => ({
        MessageId: m.messageId,
        ReceiptHandle: m.receipt!,
        Body: m.body,
        MD5OfBody: '',
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
          SenderId: 'AIDAMODEL',
          ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
          ...(m.dedupId ? { MessageDeduplicationId: m.dedupId, SequenceNumber: String(m.seq) } : {}),
        },
      })),
    };
  }

  /** Only the latest receipt handle deletes; an older one "succeeds" without deleting (DeleteMessage). */
  private deleteMessage(queue: ModelQueue, handle: string | undefined): void {
    if (!handle) throw clientError('ReceiptHandleIsInvalid', 'The receipt handle is missing.');
    const m = queue.messages.find((x) => x.receipt === handle);
    if (!m) {
      if (!/^rh-m-\d+-\d+$/.test(handle))
        throw clientError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not valid.`);
      return;
    }
    const rate = queue.config.duplicateRate ?? 0;
    if (!queue.config.fifo && rate > 0 && (this.options.random ?? Math.random)() < rate) return;
    queue.messages.splice(queue.messages.indexOf(m), 1);
    queue.changed();
  }

  /** Visibility counts from the call, 0 to 12 h; only for the latest receipt of a message in flight. */
  private changeVisibility(queue: ModelQueue, handle: string | undefined, seconds: number | undefined): void {
    if (
      seconds === undefined ||
      !Number.isInteger(seconds) ||
      seconds < 0 ||
      seconds > MAX_VISIBILITY_SECONDS
    )
      throw clientError(
        'InvalidParameterValue',
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: must be between 0 and ${MAX_VISIBILITY_SECONDS}.`,
      );
    const m = queue.messages.find((x) => x.receipt === handle);
    if (!m) throw clientError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not valid.`);
    const now = this.options.clock.now();
    if (m.availableAt <= now) throw clientError('MessageNotInflight', 'The message is not in flight.');
    m.availableAt = now + seconds * 1000;
    queue.changed();
  }

  private attributes(url: string | undefined) {
    const queue = this.queue(url);
    this.expire(queue);
    const now = this.options.clock.now();
    const visible = queue.messages.filter((m) => m.availableAt <= now).length;
    const inFlight = queue.messages.filter((m) => m.availableAt > now && m.receipt).length;
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(inFlight),
        ApproximateNumberOfMessagesDelayed: String(queue.messages.length - visible - inFlight),
      },
    };
  }
}
