/**
 * DeliveryQueues in memory that records every call, with the rules of the SQS adapter
 * (lambdas/adapters/sqs-queues.ts) and of SQS itself:
 * - `delay` turns `dueAt` into a message timer of whole seconds from 0 to 900, measured on the clock;
 * - `holdUntil` turns `until` into a visibility timeout of whole seconds from 0 to 43,200 (12 h);
 * - a message body over SQS's 1 MiB is refused, as SQS refuses it.
 * Nothing is delivered anywhere: tests read `enqueued`, `delayed`, `held`, `released`, `deadLettered`.
 */
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import { deduplicationId } from '../../lambdas/domain/messages';
import type { DeliveryMessage } from '../../lambdas/domain/model';
import type { Clock, DeliveryQueues } from '../../lambdas/domain/ports';
import { copy, Failures } from './fake-base';

/** SQS message timers stop at 900 s. */
export const SQS_MAX_TIMER_SECONDS = 900;
/** SQS visibility timeouts stop at 12 h. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** SQS's largest message body. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;

export type QueueMethod = keyof DeliveryQueues;

export interface DelayedMessage {
  readonly message: DeliveryMessage & { readonly dueAt: number };
  readonly dueAt: number;
  /** The timer the adapter would set: the time left to `dueAt`, rounded up, at most 900 s. */
  readonly delaySeconds: number;
}

export interface HeldMessage {
  readonly receiptHandle: string;
  readonly until: number;
  /** The visibility timeout the adapter would set: the time left to `until`, rounded up, at most 12 h. */
  readonly seconds: number;
}

export interface DeadLetter {
  /** The message, or `{ raw }` for a body that was not one. */
  readonly message: DeliveryMessage | { readonly raw: string };
  readonly reason: string;
}

export class FakeQueues implements DeliveryQueues {
  /** Every message sent to the FIFO delivery queue, in order (all `enqueue` calls flattened). */
  readonly enqueued: DeliveryMessage[] = [];
  /** The batches as passed to `enqueue`, one entry per call. */
  readonly enqueueCalls: DeliveryMessage[][] = [];
  readonly delayed: DelayedMessage[] = [];
  readonly deadLettered: DeadLetter[] = [];
  readonly held: HeldMessage[] = [];
  /** Receipt handles made visible again at once, one entry per `release` call. */
  readonly released: string[][] = [];
  private readonly failures = new Failures();

  /** `clock` turns due times into timers, as the adapter's `now` option does. */
  constructor(private readonly clock: Clock = { now: () => Date.now() }) {}

  /**
   * Makes `method` throw `error` (by default a DependencyUnavailableError for SQS) on its next `times`
   * calls, or on every call until `recover()`. A failing call records nothing.
   */
  fail(
    method: QueueMethod,
    error: unknown = new DependencyUnavailableError('sqs'),
    times = Number.POSITIVE_INFINITY,
  ): void {
    this.failures.set(method, error, times);
  }

  recover(): void {
    this.failures.clear();
  }

  /** Forgets every recorded call (failure switches stay). */
  reset(): void {
    const lists = [
      this.enqueued,
      this.enqueueCalls,
      this.delayed,
      this.deadLettered,
      this.held,
      this.released,
    ];
    for (const list of lists) {
      list.length = 0;
    }
  }

  /**
   * What the FIFO queue would hold: `enqueued` without the copies SQS drops (same deduplication id within
   * its 5-minute window; the fake keeps no time, so any earlier copy).
   */
  deduplicated(): DeliveryMessage[] {
    const seen = new Set<string>();
    return this.enqueued.filter((m) => {
      const id = deduplicationId(m);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    this.failures.check('enqueue');
    for (const m of messages) requireSize(JSON.stringify(m));
    const batch = messages.map(copy);
    this.enqueueCalls.push(batch);
    this.enqueued.push(...batch.map(copy));
  }

  async delay(message: DeliveryMessage & { readonly dueAt: number }): Promise<void> {
    this.failures.check('delay');
    if (!Number.isFinite(message.dueAt)) {
      throw new RangeError(`FakeQueues.delay: dueAt must be an epoch ms time, got ${message.dueAt}`);
    }
    requireSize(JSON.stringify(message));
    const delaySeconds = secondsUntil(message.dueAt, this.clock.now(), SQS_MAX_TIMER_SECONDS);
    this.delayed.push({ message: copy(message), dueAt: message.dueAt, delaySeconds });
  }

  async deadLetter(message: DeliveryMessage | { readonly raw: string }, reason: string): Promise<void> {
    this.failures.check('deadLetter');
    this.deadLettered.push({ message: copy(message), reason });
  }

  async holdUntil(receiptHandle: string, until: number): Promise<void> {
    this.failures.check('holdUntil');
    if (!Number.isFinite(until)) {
      throw new RangeError(`FakeQueues.holdUntil: until must be an epoch ms time, got ${until}`);
    }
    const seconds = secondsUntil(until, this.clock.now(), SQS_MAX_VISIBILITY_SECONDS);
    this.held.push({ receiptHandle, until, seconds });
  }

  async release(receiptHandles: readonly string[]): Promise<void> {
    this.failures.check('release');
    this.released.push([...receiptHandles]);
  }
}

/** Whole seconds from `now` to `at`, rounded up, from 0 to `max`. */
function secondsUntil(at: number, now: number, max: number): number {
  return Math.min(Math.max(0, Math.ceil((at - now) / 1000)), max);
}

function requireSize(body: string): void {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > SQS_MAX_MESSAGE_BYTES) {
    throw new Error(`FakeQueues: a message of ${bytes} bytes is over SQS's ${SQS_MAX_MESSAGE_BYTES}`);
  }
}
