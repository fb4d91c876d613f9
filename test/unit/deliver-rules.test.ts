/**
 * The delivery path's rules about what it reads and when it gives up: a first receive reads nothing but
 * the endpoint; a message seen before reads its delivery's state; strict messages are held by that state;
 * what can never succeed is ended at once, with a reason.
 */
import { describe, expect, it } from 'vitest';
import { handleDeliveryMessage } from '../../lambdas/domain/deliver';
import {
  deliveryFixture,
  endpointFixture,
  FakeStore,
  httpError,
  httpStatus,
  messageFor,
  T0,
} from '../support/fakes';
import { DLV, expectNoQueueCalls, GRACE, pastAttempt, RECEIPT, readsOf, setup } from './deliver-setup';

describe('handleDeliveryMessage: what it reads', () => {
  it('reads nothing but the endpoint on a first receive, and creates the record with the outcome', async () => {
    const { store, http, run } = setup();
    expect(store.hasDelivery(DLV)).toBe(false);
    expect(await run()).toBe('ack');
    expect(readsOf(store)).toEqual(['getEndpoint']);
    expect(store.calls.find((c) => c.method === 'getEndpoint')?.args).toEqual([
      't_1',
      'ep_1',
      { consistent: false },
    ]);
    expect(http.calls).toHaveLength(1);
    expect(store.delivery(DLV)).toMatchObject({ status: 'succeeded', attemptCount: 1, round: 0 });
  });

  it('reads the event only when the message carries no body', async () => {
    const { store, http, event, run } = setup({ withoutBody: true });
    expect(await run()).toBe('ack');
    expect(readsOf(store)).toEqual(['getEndpoint', 'getEvent']);
    expect(http.calls[0]?.body).toBe(event.body);
  });

  it('sends the carried bytes, not the stored event body, and reads no event', async () => {
    const carried =
      '{"id":"evt_carried","event":"order.created","created_at":"2025-01-01T00:00:00.000Z","data":{}}';
    const { store, http, event, run } = setup({ message: { body: carried } });
    expect(await run()).toBe('ack');
    expect(readsOf(store)).not.toContain('getEvent');
    expect(http.calls[0]?.body).toBe(carried);
    expect(carried).not.toBe(event.body);
  });

  it.each([1, 2])(
    'a message seen before reads the state and skips attempt %i, already made, without HTTP',
    async (attempt) => {
      const { http, queues, store, run } = setup({
        delivery: { attemptCount: 2, attempts: [1, 2].map(pastAttempt), nextAttemptAt: T0 + 60_000 },
        message: { attempt },
        receiveCount: 2,
      });
      expect(await run()).toBe('ack');
      expect(readsOf(store)).toEqual(['getDeliveryState']);
      expect(http.calls).toEqual([]);
      expectNoQueueCalls(queues);
      expect(store.delivery(DLV).attemptCount).toBe(2);
    },
  );

  it.each(['succeeded', 'failed'] as const)(
    'a message seen before of a %s delivery is acknowledged without HTTP',
    async (status) => {
      const { http, queues, run } = setup({
        delivery: { status, attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: undefined },
        message: { attempt: 2 },
        receiveCount: 3,
      });
      expect(await run()).toBe('ack');
      expect(http.calls).toEqual([]);
      expectNoQueueCalls(queues);
    },
  );

  it('a first-receive copy of an attempt already made is sent (no read) but not recorded again', async () => {
    const { http, store, reports, run } = setup({
      delivery: {
        status: 'succeeded',
        attemptCount: 1,
        attempts: [pastAttempt(1)],
        nextAttemptAt: undefined,
      },
      message: { attempt: 1 },
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toHaveLength(1);
    expect(reports).toEqual([]);
    expect(store.delivery(DLV).attempts).toEqual([pastAttempt(1)]);
  });

  // A replayed, recovered or released delivery has a record, and the sweeper may queue a copy of it while
  // the original waits behind a held strict group (the AWS-semantics model found copies POSTed twice).
  it('a first-receive message of a recorded delivery reads its state: a finished one is not sent again', async () => {
    const { http, store, run } = setup({
      delivery: {
        status: 'succeeded',
        attemptCount: 4,
        attemptOffset: 3,
        attempts: [pastAttempt(1), pastAttempt(2), pastAttempt(3), pastAttempt(4)],
        nextAttemptAt: undefined,
      },
      message: { attempt: 4, attemptOffset: 3, round: 1, recorded: true },
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(store.delivery(DLV).status).toBe('succeeded');
  });

  it('a first-receive message of a recorded pending delivery is sent after the read', async () => {
    const { http, store, run } = setup({
      delivery: {
        status: 'pending',
        attemptCount: 3,
        attemptOffset: 3,
        attempts: [pastAttempt(1), pastAttempt(2), pastAttempt(3)],
      },
      message: { attempt: 4, attemptOffset: 3, round: 1, recorded: true },
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toHaveLength(1);
    expect(store.methodsCalled()).toContain('getDeliveryState');
  });

  // A record write that failed after the retry was queued brings the message back, and its second try
  // queues a second copy of the retry (the DynamoDB throttling property in test/model found it).
  it('a first-receive retry reads the state: a second copy of a retry already made is not sent', async () => {
    const { http, store, run } = setup({
      delivery: { attemptCount: 2, attempts: [pastAttempt(1), pastAttempt(2)], nextAttemptAt: T0 },
      message: { attempt: 2 },
    });
    expect(await run()).toBe('ack');
    expect(readsOf(store)).toEqual(['getDeliveryState']);
    expect(http.calls).toEqual([]);
  });

  it('a first-receive retry not yet made is attempted after that one read', async () => {
    const { http, store, run } = setup({
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 },
      message: { attempt: 2 },
    });
    expect(await run()).toBe('ack');
    expect(readsOf(store)).toEqual(['getDeliveryState', 'getEndpoint']);
    expect(http.calls).toHaveLength(1);
    expect(store.delivery(DLV)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });
});

describe('handleDeliveryMessage: what can never succeed', () => {
  it('fails a blocked target at once with the reason, dead-letters it, and schedules nothing', async () => {
    const { store, queues, message, reports, run } = setup({
      http: [httpError('blocked_target', 'hooks.example.com resolves to 10.0.0.7')],
    });
    expect(await run()).toBe('ack');
    const reason = 'target blocked: hooks.example.com resolves to 10.0.0.7';
    expect(queues.deadLettered).toEqual([{ message, reason }]);
    expect(queues.delayed).toEqual([]);
    expect(store.delivery(DLV)).toMatchObject({ status: 'failed', attemptCount: 1, failureReason: reason });
    expect(store.delivery(DLV).attempts[0]).toMatchObject({ errorClass: 'blocked_target' });
    expect(reports.map((r) => r.outcome)).toEqual(['failed']);
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[]'],
    ['an old version', JSON.stringify({ v: 1, deliveryId: DLV })],
    ['attempt 0', 'attempt0'],
    ['a missing delivery id', 'noid'],
  ])('dead-letters a body that is %s with the reason, acknowledges it, sends nothing', async (_n, raw) => {
    const { http, store, queues, message, run } = setup();
    const body =
      raw === 'attempt0'
        ? JSON.stringify({ ...message, attempt: 0 })
        : raw === 'noid'
          ? JSON.stringify({ ...message, deliveryId: undefined })
          : raw;
    expect(await run(body)).toBe('ack');
    expect(queues.deadLettered).toEqual([
      { message: { raw: body }, reason: expect.stringMatching(/^unprocessable message: /) },
    ]);
    expect(http.calls).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it('fails and dead-letters a delivery whose endpoint was deleted, without HTTP', async () => {
    const { http, queues, store, message, run } = setup({ endpoint: 'deleted' });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered).toEqual([{ message, reason: 'endpoint was deleted' }]);
    expect(store.delivery(DLV)).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint was deleted',
      attemptCount: 0,
      attemptOffset: 0,
    });
  });

  it('fails and dead-letters a delivery whose endpoint is disabled, keeping its attempts', async () => {
    const { http, queues, store, run } = setup({
      endpoint: { status: 'disabled' },
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)] },
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['endpoint is disabled']);
    expect(store.delivery(DLV)).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint is disabled',
      attemptCount: 1,
    });
  });

  it('fails and dead-letters a delivery whose message has no body and whose event is gone', async () => {
    const { http, queues, store, run } = setup({ withoutBody: true, eventGone: true });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['the event is no longer stored']);
    expect(store.delivery(DLV).status).toBe('failed');
  });
});

describe('handleDeliveryMessage: strict ordering', () => {
  it('holds the message for the retry delay and reports it failed, so the group waits', async () => {
    const { store, queues, reports, run } = setup({
      endpoint: { ordering: 'strict' },
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [2500, 5000], jitter: 0 } },
    });
    expect(await run()).toBe('retry');
    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, until: T0 + 2500, seconds: 3 }]);
    expect(queues.delayed).toEqual([]);
    expect(store.delivery(DLV)).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: T0 + 2500,
      sweepAt: T0 + 2500 + GRACE,
    });
    expect(reports.map((r) => r.outcome)).toEqual(['retry_scheduled']);
  });

  it.each([
    [5500, 6],
    [1001, 2],
  ])(
    'holds a message back %i ms before state.nextAttemptAt for the time remaining (%i s), no HTTP',
    async (earlyMs, seconds) => {
      const { http, queues, store, run } = setup({
        endpoint: { ordering: 'strict' },
        delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + earlyMs },
        message: { attempt: 1 },
        receiveCount: 2,
      });
      expect(await run()).toBe('retry');
      expect(queues.held).toEqual([{ receiptHandle: RECEIPT, until: T0 + earlyMs, seconds }]);
      expect(http.calls).toEqual([]);
      expect(store.delivery(DLV).attemptCount).toBe(1);
    },
  );

  it('holds at most the 12 h SQS visibility limit', async () => {
    const { queues, run } = setup({
      endpoint: { ordering: 'strict' },
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + 24 * 3_600_000 },
      message: { attempt: 1 },
      receiveCount: 2,
    });
    expect(await run()).toBe('retry');
    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, until: T0 + 24 * 3_600_000, seconds: 43_200 }]);
  });

  it('treats a message back up to 1 s early as due, and makes the attempt the state says is next', async () => {
    const { http, store, run } = setup({
      endpoint: { ordering: 'strict' },
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + 1000 },
      message: { attempt: 1 },
      receiveCount: 2,
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toHaveLength(1);
    expect(store.delivery(DLV)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(store.delivery(DLV).attempts.map((a) => a.number)).toEqual([1, 2]);
  });
});

describe('handleDeliveryMessage: another worker recorded the attempt first', () => {
  /** An HTTP script during which a concurrent copy of the message records attempt 1 as succeeded. */
  const racedBy = (store: FakeStore, outcome: ReturnType<typeof httpStatus>) => async () => {
    await store.recordAttempt(
      {
        id: DLV,
        tenantId: 't_1',
        eventId: 'evt_1',
        eventType: 'order.created',
        endpointId: 'ep_1',
        createdAt: new Date(T0).toISOString(),
      },
      {
        attempt: { number: 1, startedAt: new Date(T0).toISOString(), durationMs: 1, responseStatus: 200 },
        status: 'succeeded',
        attemptOffset: 0,
      },
    );
    return outcome;
  };

  it('acknowledges without reporting an attempt when recordAttempt finds the delivery moved on', async () => {
    const store = new FakeStore();
    const { reports, queues, run } = setup({ store, http: racedBy(store, httpStatus(200)) });
    expect(await run()).toBe('ack');
    expect(reports).toEqual([]);
    expectNoQueueCalls(queues);
    expect(store.delivery(DLV).attempts).toHaveLength(1);
  });

  it('on a strict endpoint, acknowledges and does not hold when the failure cannot be recorded', async () => {
    const store = new FakeStore();
    const { reports, queues, run } = setup({
      store,
      endpoint: { ordering: 'strict' },
      http: racedBy(store, httpStatus(500)),
    });
    expect(await run()).toBe('ack');
    expect(reports).toEqual([]);
    expect(queues.held).toEqual([]);
    expect(store.delivery(DLV)).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });
});

it('uses endpoint records as given by the lookup (the cache decides freshness)', async () => {
  const { deps, http, store } = setup();
  const stale = endpointFixture({ url: 'https://stale.example.com/h' });
  await handleDeliveryMessage(
    { ...deps, endpoints: async () => stale },
    { body: JSON.stringify(messageFor(deliveryFixture())), receiptHandle: RECEIPT, receiveCount: 1 },
  );
  expect(http.calls[0]?.url).toBe('https://stale.example.com/h');
  expect(readsOf(store)).toEqual([]);
});
