import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../../lambdas/domain/errors';
import { deduplicationId, nextAttemptMessage, parseDeliveryMessage } from '../../lambdas/domain/messages';
import type { DeliveryMessage } from '../../lambdas/domain/model';

const delivery = {
  id: 'dlv_01KE6Q0DH24JK3980CP4SB3J69_ep_1',
  tenantId: 't_1',
  eventId: 'evt_1',
  eventType: 'order.created',
  endpointId: 'ep_1',
  createdAt: '2025-01-01T00:00:00.000Z',
  attemptCount: 0,
};
const message: DeliveryMessage = {
  ...nextAttemptMessage(delivery, 'strict', { body: '{"id":"evt_1"}' }, 2),
  replayOf: 'dlv_0',
  dueAt: 1_735_689_600_000,
  noRetry: true,
  recorded: true,
};

describe('parseDeliveryMessage', () => {
  it('reads back every field a message carries, and drops fields it does not know', () => {
    expect(parseDeliveryMessage(JSON.stringify(message))).toEqual(message);
    const minimal = nextAttemptMessage(delivery, 'sequential', undefined);
    expect(parseDeliveryMessage(JSON.stringify({ ...minimal, extra: 'x' }))).toEqual(minimal);
  });

  it.each([
    ['not JSON', '{"v":2', /not JSON/],
    ['an array', '[]', /body must be an object/],
    ['v 1', JSON.stringify({ ...message, v: 1 }), /v must be 2/],
    [
      'no deliveryId',
      JSON.stringify({ ...message, deliveryId: undefined }),
      /deliveryId must be a non-empty string/,
    ],
    ['an empty tenantId', JSON.stringify({ ...message, tenantId: '' }), /tenantId/],
    ['attempt 0', JSON.stringify({ ...message, attempt: 0 }), /attempt must be an integer of at least 1/],
    ['a fractional round', JSON.stringify({ ...message, round: 1.5 }), /round/],
    ['a negative offset', JSON.stringify({ ...message, attemptOffset: -1 }), /attemptOffset/],
    [
      'another ordering',
      JSON.stringify({ ...message, ordering: 'fifo' }),
      /ordering must be sequential or strict/,
    ],
    ['a string dueAt', JSON.stringify({ ...message, dueAt: 'soon' }), /dueAt must be an integer/],
    ['a numeric body', JSON.stringify({ ...message, body: 7 }), /body must be a string/],
    ['a string noRetry', JSON.stringify({ ...message, noRetry: 'yes' }), /noRetry must be a boolean/],
    ['an empty replayOf', JSON.stringify({ ...message, replayOf: '' }), /replayOf/],
  ])('refuses %s as a poison message naming what is wrong', (_what, body, reason) => {
    expect(() => parseDeliveryMessage(body)).toThrow(PoisonMessageError);
    expect(() => parseDeliveryMessage(body)).toThrow(reason);
  });

  it('never throws anything but a PoisonMessageError, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (body) => {
          try {
            parseDeliveryMessage(body);
          } catch (error) {
            return error instanceof PoisonMessageError;
          }
          return true;
        },
      ),
    );
  });

  it('gives one deduplication id per delivery, round and attempt', () => {
    expect(deduplicationId(message)).toBe(`${delivery.id}-2-1`);
  });
});
