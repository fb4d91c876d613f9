/**
 * The data and the pure rules of the SQS model (sqs-model.ts): queue and message records, the limits AWS
 * documents, and which messages a receive may return.
 */
import { SQSServiceException } from '@aws-sdk/client-sqs';

export interface ModelQueueConfig {
  readonly name: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  /** Redrive policy: after `maxReceiveCount` receives, the next receive moves the message here instead. */
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
  /**
   * Standard queues only: the chance that a DeleteMessage misses one of the servers holding a copy, so the
   * message comes back after its visibility timeout (AWS's at-least-once delivery). 0 by default.
   */
  readonly duplicateRate?: number;
  /** FIFO `DeduplicationScope`: `messageGroup` (what the stack deploys) or `queue` (the AWS default). */
  readonly deduplicationScope?: 'queue' | 'messageGroup';
}

export interface ModelMessage {
  readonly messageId: string;
  readonly body: string;
  readonly groupId?: string;
  readonly dedupId?: string;
  readonly seq: number;
  /** Enqueue time; retention counts from here (reset on a move to a FIFO DLQ, kept for a standard one). */
  sentAt: number;
  /** Before this instant the message is hidden (message timer, or in flight after a receive). */
  availableAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The receipt handle of the latest receive; older ones no longer work. */
  receipt?: string;
}

/** What happened to messages the application never deleted. */
export interface ModelEvent {
  readonly kind: 'redriven' | 'expired';
  readonly queue: string;
  readonly at: number;
  readonly message: ModelMessage;
}

/** Deduplication interval of FIFO queues. */
export const DEDUP_INTERVAL_MS = 5 * 60_000;
export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_BATCH = 10;

export function clientError(name: string, message: string): SQSServiceException {
  const error = new SQSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
  return error;
}

/** One queue's stored messages, deduplication ids, and the long pollers waiting on it. */
export class ModelQueue {
  readonly messages: ModelMessage[] = [];
  readonly dedup = new Map<string, { at: number; messageId: string }>();
  private waiters: (() => void)[] = [];
  constructor(readonly config: ModelQueueConfig) {}

  /** Wakes long pollers: something may have become receivable. */
  changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  nextChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** True when a receive now would return (or redrive) at least one message. */
export function receivableNow(queue: ModelQueue, now: number): boolean {
  if (!queue.config.fifo) return queue.messages.some((m) => m.availableAt <= now);
  const blocked = new Set<string>();
  for (const m of queue.messages) if (m.availableAt > now && m.receipt) blocked.add(m.groupId!);
  const heads = new Set<string>();
  for (const m of queue.messages) {
    if (heads.has(m.groupId!)) continue;
    heads.add(m.groupId!);
    if (!blocked.has(m.groupId!) && m.availableAt <= now) return true;
  }
  return false;
}

export function checkBatch<E extends { Id?: string | undefined }>(entries: E[] | undefined): E[] {
  const list = entries ?? [];
  if (list.length === 0) throw clientError('EmptyBatchRequest', 'There should be at least one entry.');
  if (list.length > MAX_BATCH)
    throw clientError('TooManyEntriesInBatchRequest', `At most ${MAX_BATCH} entries per batch.`);
  if (new Set(list.map((e) => e.Id)).size !== list.length)
    throw clientError('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id.');
  return list;
}

/**
 * The messages one receive returns. FIFO: groups in the order of their oldest message, skipping any group
 * with a message in flight; within a group, consecutive messages in order, never past a hidden one; then
 * other groups when `mixGroups`. A message already received `limit` times is handed to `redrive` instead.
 */
export function pickForReceive(
  queue: ModelQueue,
  now: number,
  max: number,
  limit: number,
  mixGroups: boolean,
  redrive: (message: ModelMessage) => void,
): ModelMessage[] {
  const picked: ModelMessage[] = [];
  if (queue.config.fifo) {
    // A group with a message in flight hands out nothing until that message is deleted or visible again.
    const blocked = new Set<string>();
    for (const m of queue.messages) if (m.availableAt > now && m.receipt) blocked.add(m.groupId!);
    const order: string[] = [];
    for (const m of queue.messages)
      if (!blocked.has(m.groupId!) && !order.includes(m.groupId!)) order.push(m.groupId!);
    for (const group of order) {
      if (picked.length >= max) break;
      if (picked.length > 0 && !mixGroups) break;
      for (const m of queue.messages.filter((x) => x.groupId === group)) {
        if (picked.length >= max) break;
        if (m.availableAt > now) break; // order within a group: never skip a hidden message
        if (m.receiveCount >= limit) {
          redrive(m);
          continue;
        }
        picked.push(m);
      }
    }
  } else {
    for (const m of [...queue.messages]) {
      if (picked.length >= max) break;
      if (m.availableAt > now) continue;
      if (m.receiveCount >= limit) {
        redrive(m);
        continue;
      }
      picked.push(m);
    }
  }
  return picked;
}
