/** Builders for records, messages and SQS records, all at T0 and of tenant `t_1` unless told otherwise. */
import type { SQSRecord } from 'aws-lambda';
import { serializeEnvelope } from '../../lambdas/domain/envelope';
import { newId } from '../../lambdas/domain/ids';
import { nextAttemptMessage } from '../../lambdas/domain/messages';
import type { Delivery, DeliveryMessage, Endpoint, Ordering, StoredEvent } from '../../lambdas/domain/model';
import { T0 } from './fake-base';

/**
 * A well-formed, deterministic delivery id (`dlv_<ULID>_<endpoint>`) created at `at`: the store finds a
 * delivery by the endpoint its id names, so fixtures must use real ids. `n` tells apart ids of one time.
 */
export function deliveryIdFor(endpointId = 'ep_1', n = 1, at = T0): string {
  const time = newId('dlv', at).slice(4, 14);
  return `dlv_${time}${String(n).padStart(16, '0')}_${endpointId}`;
}

/** An enabled, sequential endpoint of tenant `t_1` subscribed to `*`, signing with `whsec_test`. */
export function endpointFixture(overrides: Partial<Endpoint> = {}): Endpoint {
  const at = new Date(T0).toISOString();
  return {
    id: 'ep_1',
    tenantId: 't_1',
    url: 'https://hooks.example.com/yumkiosk',
    events: ['*'],
    description: '',
    status: 'enabled',
    ordering: 'sequential',
    secrets: [{ secret: 'whsec_test' }],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An `order.created` event of tenant `t_1`; `body` is the serialized envelope of `data` unless given. */
export function eventFixture(
  overrides: Partial<StoredEvent> & { data?: Record<string, unknown> } = {},
): StoredEvent {
  const { data = { orderId: 'ord_1' }, ...rest } = overrides;
  const id = rest.id ?? 'evt_1';
  const type = rest.type ?? 'order.created';
  const createdAt = rest.createdAt ?? new Date(T0).toISOString();
  return {
    id,
    tenantId: 't_1',
    type,
    body: serializeEnvelope({ id, type, createdAt, data }),
    createdAt,
    deliveries: [],
    ...rest,
  };
}

/**
 * A pending delivery of `evt_1` to the endpoint (`ep_1`) with no attempts, due at T0, sweepable after
 * T0 + 15 min (`sweepAt` is for `FakeStore.seed`).
 */
export function deliveryFixture(
  overrides: Partial<Delivery> & { sweepAt?: number } = {},
): Delivery & { sweepAt?: number } {
  const at = new Date(T0).toISOString();
  const endpointId = overrides.endpointId ?? 'ep_1';
  return {
    id: deliveryIdFor(endpointId),
    tenantId: 't_1',
    eventId: 'evt_1',
    eventType: 'order.created',
    endpointId,
    status: 'pending',
    attemptCount: 0,
    nextAttemptAt: T0,
    sweepAt: T0 + 15 * 60_000,
    createdAt: at,
    updatedAt: at,
    attempts: [],
    ...overrides,
  };
}

/**
 * The delivery-queue message for the next attempt of `delivery`, carrying the body of `event` (the
 * default event fixture unless given; `null` for a message without a body), sequential unless told.
 */
export function messageFor(
  delivery: Delivery,
  overrides: Partial<DeliveryMessage> = {},
  options: { event?: StoredEvent | null; ordering?: Ordering; round?: number } = {},
): DeliveryMessage {
  const event = options.event === null ? undefined : (options.event ?? eventFixture());
  return {
    ...nextAttemptMessage(delivery, options.ordering ?? 'sequential', event, options.round ?? 0),
    ...overrides,
  };
}

/**
 * An SQS FIFO record as Lambda hands it over: `groupId` becomes `MessageGroupId`, the receipt handle is
 * `rh-<messageId>`, `receiveCount` the ApproximateReceiveCount (1 unless told).
 */
export function fifoRecord(input: {
  messageId: string;
  groupId: string;
  body: string;
  receiveCount?: number;
}): SQSRecord {
  return {
    messageId: input.messageId,
    receiptHandle: `rh-${input.messageId}`,
    body: input.body,
    attributes: {
      ApproximateReceiveCount: String(input.receiveCount ?? 1),
      SentTimestamp: String(T0),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(T0),
      MessageGroupId: input.groupId,
      MessageDeduplicationId: input.messageId,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deliveries.fifo',
    awsRegion: 'us-east-1',
  };
}
