import { describe, expect, it } from 'vitest';
import { handleDeliveryMessage } from '../../lambdas/domain/deliver';
import { hmacHex } from '../../lambdas/domain/signing/yumkiosk';
import { FakeClock, httpError, httpStatus, T0 } from '../support/fakes';
import { DLV, expectNoQueueCalls, GRACE, pastAttempt, setup } from './deliver-setup';

describe('handleDeliveryMessage: a 2xx answer', () => {
  it('records attempt 1 as succeeded and acknowledges the message', async () => {
    const { store, queues, reports, run } = setup({ http: [httpStatus(204, { body: 'thanks' })] });

    expect(await run()).toBe('ack');

    const stored = store.delivery(DLV);
    expect(stored).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect(stored.nextAttemptAt).toBeUndefined();
    expect(stored.sweepAt).toBeUndefined();
    expect(stored.attempts).toEqual([
      {
        number: 1,
        startedAt: new Date(T0).toISOString(),
        durationMs: 0,
        requestHeaders: expect.objectContaining({ 'YumKiosk-Signature': `t=${T0 / 1000},v1=…` }),
        responseStatus: 204,
        responseBody: 'thanks',
      },
    ]);
    expect(reports.map((r) => r.outcome)).toEqual(['succeeded']);
    expectNoQueueCalls(queues);
  });

  it('POSTs the stored event body, signed with the endpoint secret, with the configured timeout', async () => {
    const { http, event, run } = setup({ settings: { deliveryTimeoutMs: 7000 } });
    await run();

    expect(http.calls).toHaveLength(1);
    const [call] = http.calls;
    expect(call).toEqual({
      url: 'https://hooks.example.com/yumkiosk',
      body: event.body,
      timeoutMs: 7000,
      headers: {
        'Content-Type': 'application/json',
        'YumKiosk-Signature': `t=${T0 / 1000},v1=${hmacHex('whsec_test', T0 / 1000, event.body)}`,
        'YumKiosk-Event': 'order.created',
        'YumKiosk-Delivery': DLV,
        'User-Agent': 'YumKiosk-Webhook/1.0',
      },
    });
  });

  it('records how long the attempt took', async () => {
    const clock = new FakeClock(T0);
    const { store, run } = setup({
      clock,
      http: () => {
        clock.advance(250);
        return httpStatus(200);
      },
    });
    await run();
    expect(store.delivery(DLV).attempts[0]).toMatchObject({
      startedAt: new Date(T0).toISOString(),
      durationMs: 250,
    });
  });
});

describe('handleDeliveryMessage: a failed attempt on a sequential endpoint', () => {
  it('sends attempt 2 to the retry queue, due after the first delay, and records the delivery pending', async () => {
    const { store, queues, reports, message, run } = setup({ http: [httpStatus(500, { body: 'oops' })] });

    expect(await run()).toBe('ack');

    expect(queues.delayed).toEqual([
      { message: { ...message, attempt: 2, dueAt: T0 + 1000 }, dueAt: T0 + 1000, delaySeconds: 1 },
    ]);
    const stored = store.delivery(DLV);
    expect(stored).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: T0 + 1000,
      sweepAt: T0 + 1000 + GRACE,
    });
    expect(stored.attempts[0]).toMatchObject({
      number: 1,
      responseStatus: 500,
      responseBody: 'oops',
      errorClass: 'http_status',
    });
    expect(reports).toEqual([
      expect.objectContaining({ outcome: 'retry_scheduled', nextAttemptAt: T0 + 1000 }),
    ]);
    expect(queues.held).toEqual([]);
    expect(queues.deadLettered).toEqual([]);
  });

  it('counts the delay from the end of the attempt', async () => {
    const clock = new FakeClock(T0);
    const { queues, store, run } = setup({
      clock,
      http: () => {
        clock.advance(3000);
        return httpError('timeout', 'no answer in 10 s');
      },
    });
    await run();
    expect(queues.delayed[0]).toMatchObject({ message: { dueAt: T0 + 4000 }, delaySeconds: 1 });
    expect(store.delivery(DLV).attempts[0]).toMatchObject({
      errorClass: 'timeout',
      errorMessage: 'no answer in 10 s',
      durationMs: 3000,
    });
  });

  it.each([301, 302, 304, 307, 308])('treats a %i redirect as a failure', async (status) => {
    const { queues, store, run } = setup({ http: [httpStatus(status)] });
    expect(await run()).toBe('ack');
    expect(queues.delayed).toHaveLength(1);
    expect(store.delivery(DLV)).toMatchObject({ status: 'pending', attemptCount: 1 });
  });

  it.each([100, 199, 300, 400, 404, 500, 599])('treats status %i as a failure', async (status) => {
    const { store, run } = setup({ http: [httpStatus(status)] });
    await run();
    expect(store.delivery(DLV).status).toBe('pending');
    expect(store.delivery(DLV).attempts[0]?.errorClass).toBe('http_status');
  });

  it.each(['timeout', 'dns', 'connection', 'tls'] as const)(
    'records a %s error and schedules a retry',
    async (errorClass) => {
      const { queues, store, run } = setup({ http: [httpError(errorClass, 'went wrong')] });
      await run();
      expect(queues.delayed).toHaveLength(1);
      expect(store.delivery(DLV).attempts[0]).toMatchObject({ errorClass, errorMessage: 'went wrong' });
      expect(store.delivery(DLV).attempts[0]?.responseStatus).toBeUndefined();
    },
  );

  it('splits a wait longer than the 900 s SQS timer: the first hop is 900 s, dueAt is the real time', async () => {
    const { queues, run } = setup({
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [3_600_000], jitter: 0 } },
    });
    await run();
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ attempt: 2, dueAt: T0 + 3_600_000 }),
        dueAt: T0 + 3_600_000,
        delaySeconds: 900,
      },
    ]);
  });

  it('asks the injected retry policy, with the attempt within its round, the outcome and its end', async () => {
    const asked: unknown[] = [];
    const { queues, deps, message } = setup({ http: [httpStatus(503, { retryAfter: '7' })] });
    const withPolicy = {
      ...deps,
      retryPolicy: {
        nextDelayMs: (failed: unknown) => {
          asked.push(failed);
          return 42_000;
        },
      },
    };
    await handleDeliveryMessage(withPolicy, {
      body: JSON.stringify(message),
      receiptHandle: 'r',
      receiveCount: 1,
    });
    expect(asked).toEqual([
      expect.objectContaining({ attempt: 1, outcome: expect.objectContaining({ kind: 'response' }) }),
    ]);
    expect(queues.delayed.at(-1)?.message.dueAt).toBe(
      (asked[0] as { finishedAt: number }).finishedAt + 42_000,
    );
  });

  it('gives up at once when the policy says so', async () => {
    const { store, queues, deps, message } = setup({ http: [httpStatus(500)] });
    await handleDeliveryMessage(
      { ...deps, retryPolicy: { nextDelayMs: () => undefined } },
      { body: JSON.stringify(message), receiptHandle: 'r', receiveCount: 1 },
    );
    expect(store.delivery(DLV)).toMatchObject({
      status: 'failed',
      failureReason: 'gave up after 1 attempts',
    });
    expect(queues.deadLettered).toHaveLength(1);
  });

  it('uses the injected random for jitter', async () => {
    const { queues, run } = setup({
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [1000], jitter: 0.5 } },
      random: () => 1,
    });
    await run();
    expect(queues.delayed[0]).toMatchObject({ message: { dueAt: T0 + 1500 }, delaySeconds: 2 });
  });

  it('retries after 429 no sooner than Retry-After, capped at twice the scheduled delay', async () => {
    const { queues, store, run } = setup({ http: [httpStatus(429, { retryAfter: '5' })] });
    await run();
    // Schedule says 1 s, the receiver asks for 5 s: 2 s is the most one receiver can add.
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ attempt: 2, dueAt: T0 + 2000 }),
        dueAt: T0 + 2000,
        delaySeconds: 2,
      },
    ]);
    expect(store.delivery(DLV).nextAttemptAt).toBe(T0 + 2000);
  });

  it('honours Retry-After within the cap on 503', async () => {
    const { queues, run } = setup({
      http: [httpStatus(503, { retryAfter: '2' })],
      settings: { retry: { delaysMs: [1500], jitter: 0 } },
    });
    await run();
    expect(queues.delayed[0]?.message.dueAt).toBe(T0 + 2000);
  });

  it('ignores Retry-After on other statuses', async () => {
    const { queues, run } = setup({ http: [httpStatus(500, { retryAfter: '2' })] });
    await run();
    expect(queues.delayed[0]?.message.dueAt).toBe(T0 + 1000);
  });
});

describe('handleDeliveryMessage: the last attempt fails', () => {
  const exhausted = {
    delivery: { attemptCount: 3, attempts: [1, 2, 3].map(pastAttempt), nextAttemptAt: T0 },
    http: [httpStatus(500)],
  };

  it('dead-letters the message with the reason and records the delivery failed', async () => {
    const { store, queues, reports, message, run } = setup(exhausted);
    expect(message.attempt).toBe(4);

    expect(await run()).toBe('ack');

    expect(queues.deadLettered).toEqual([{ message, reason: 'gave up after 4 attempts' }]);
    expect(queues.delayed).toEqual([]);
    const stored = store.delivery(DLV);
    expect(stored).toMatchObject({
      status: 'failed',
      attemptCount: 4,
      failureReason: 'gave up after 4 attempts',
    });
    expect(stored.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4]);
    expect(stored.nextAttemptAt).toBeUndefined();
    expect(stored.sweepAt).toBeUndefined();
    expect(reports.map((r) => r.outcome)).toEqual(['failed']);
  });

  it('gives up on a strict endpoint the same way, without holding the message', async () => {
    // A strict endpoint keeps one message (attempt 1) for every attempt; the DLQ copy names the last one.
    const { store, queues, run } = setup({
      ...exhausted,
      endpoint: { ordering: 'strict' },
      message: { attempt: 1 },
      receiveCount: 5,
    });
    expect(await run()).toBe('ack');
    expect(queues.deadLettered).toEqual([
      {
        message: expect.objectContaining({ attempt: 4, ordering: 'strict' }),
        reason: 'gave up after 4 attempts',
      },
    ]);
    expect(queues.held).toEqual([]);
    expect(store.delivery(DLV).status).toBe('failed');
  });
});

describe('handleDeliveryMessage: a recovered delivery', () => {
  // Recovered after giving up at attempt 4: attempts 5 to 8 follow the whole schedule again.
  const recovered = (attemptCount: number) => ({
    delivery: {
      attemptCount,
      attemptOffset: 4,
      attempts: Array.from({ length: attemptCount }, (_, i) => pastAttempt(i + 1)),
      nextAttemptAt: T0,
    },
    http: [httpStatus(500)],
  });

  it('retries on the schedule from its start', async () => {
    const { queues, store, run } = setup(recovered(4));
    await run();
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ attempt: 6, dueAt: T0 + 1000 }),
        dueAt: T0 + 1000,
        delaySeconds: 1,
      },
    ]);
    expect(store.delivery(DLV)).toMatchObject({ status: 'pending', attemptCount: 5 });
  });

  it('gives up when the new round has used up the schedule; the record counts every attempt', async () => {
    const { queues, store, run } = setup(recovered(7));
    await run();
    // The reason names the round's attempts (the message's attemptOffset is 4).
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['gave up after 4 attempts']);
    expect(store.delivery(DLV)).toMatchObject({ status: 'failed', attemptCount: 8 });
  });
});
