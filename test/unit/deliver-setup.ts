/** The set-up the deliver tests share: one endpoint, one event, one delivery and its message, all fakes. */
import { expect } from 'vitest';
import { type AttemptReport, type DelivererDeps, handleDeliveryMessage } from '../../lambdas/domain/deliver';
import type { Attempt, Delivery, DeliveryMessage, Endpoint } from '../../lambdas/domain/model';
import type { HttpOutcome, SecretOpener } from '../../lambdas/domain/ports';
import type { ServiceSettings } from '../../lambdas/domain/settings';
import {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  FakeClock,
  FakeHttp,
  FakeQueues,
  FakeStore,
  type HttpScript,
  httpStatus,
  messageFor,
  T0,
  testSecrets,
  testSettings,
} from '../support/fakes';

export const GRACE = testSettings().sweepGraceMs;
export const RECEIPT = 'receipt-1';
/** The delivery every set-up is about. */
export const DLV = deliveryIdFor('ep_1');

/** A finished attempt, for deliveries that already have some. */
export const pastAttempt = (number: number): Attempt => ({
  number,
  startedAt: new Date(T0 - 60_000).toISOString(),
  durationMs: 5,
  responseStatus: 500,
  errorClass: 'http_status',
});

/**
 * `delivery` given: the delivery has a record (it had outcomes before) and the message is for its next
 * attempt; not given: no record, the message is the first attempt's. `receiveCount` is 1 unless told.
 */
export function setup(
  options: {
    endpoint?: Partial<Endpoint> | 'deleted';
    delivery?: Partial<Delivery>;
    message?: Partial<DeliveryMessage>;
    /** Leaves the body out of the message, so the deliverer must read the event. */
    withoutBody?: boolean;
    /** Stores no event item. */
    eventGone?: boolean;
    receiveCount?: number;
    http?: HttpScript | readonly HttpOutcome[];
    settings?: Partial<ServiceSettings>;
    random?: () => number;
    clock?: FakeClock;
    store?: FakeStore;
    secrets?: SecretOpener;
  } = {},
) {
  const clock = options.clock ?? new FakeClock(T0);
  const store = options.store ?? new FakeStore(clock);
  const queues = new FakeQueues(clock);
  const http = new FakeHttp(options.http ?? [httpStatus(200)]);
  const endpoint = options.endpoint === 'deleted' ? undefined : endpointFixture(options.endpoint);
  const event = eventFixture();
  const delivery = deliveryFixture(options.delivery);
  store.seed({
    endpoints: endpoint ? [endpoint] : [],
    events: options.eventGone ? [] : [event],
    deliveries: options.delivery ? [delivery] : [],
  });
  const message = messageFor(
    delivery,
    { ordering: endpoint?.ordering ?? 'sequential', ...options.message },
    { event: options.withoutBody ? null : event },
  );
  const reports: AttemptReport[] = [];
  const deps: DelivererDeps = {
    store,
    endpoints: (tenantId, endpointId) => store.getEndpoint(tenantId, endpointId, { consistent: false }),
    secrets: options.secrets ?? testSecrets(clock),
    queues,
    http,
    clock,
    settings: testSettings(options.settings),
    onAttempt: (report) => reports.push(report),
    ...(options.random ? { random: options.random } : {}),
  };
  const run = (body = JSON.stringify(message), receiveCount = options.receiveCount ?? 1) =>
    handleDeliveryMessage(deps, { body, receiptHandle: RECEIPT, receiveCount });
  return { clock, store, queues, http, event, delivery, message, reports, run, deps };
}

export function expectNoQueueCalls(queues: FakeQueues) {
  expect(queues.enqueued).toEqual([]);
  expect(queues.delayed).toEqual([]);
  expect(queues.deadLettered).toEqual([]);
  expect(queues.held).toEqual([]);
}

/** The store reads a run made (writes left out). */
export function readsOf(store: FakeStore): string[] {
  return store.methodsCalled().filter((m) => m.startsWith('get') || m.startsWith('list'));
}
