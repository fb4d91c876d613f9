import { describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../../lambdas/domain/errors';
import { deduplicationId } from '../../lambdas/domain/messages';
import { handleRetryMessage } from '../../lambdas/domain/retry-hop';
import { deliveryFixture, FakeClock, FakeQueues, messageFor, T0 } from '../support/fakes';

function setup() {
  const clock = new FakeClock(T0);
  const queues = new FakeQueues(clock);
  return { clock, queues, deps: { clock, queues } };
}

const delivery = deliveryFixture({ attemptCount: 1 });
const retry = { ...messageFor(delivery), dueAt: T0 + 1_800_000 };

describe('handleRetryMessage', () => {
  it('waits another hop of at most 900 s while the attempt is not due, keeping dueAt', async () => {
    const { deps, queues } = setup();
    expect(await handleRetryMessage(deps, JSON.stringify(retry))).toBe('delayed');
    expect(queues.delayed).toEqual([{ message: retry, dueAt: T0 + 1_800_000, delaySeconds: 900 }]);
    expect(queues.enqueued).toEqual([]);
  });

  it('waits the rounded-up remainder on the last hop', async () => {
    const { deps, queues, clock } = setup();
    clock.set(T0 + 1_800_000 - 1500);
    await handleRetryMessage(deps, JSON.stringify(retry));
    expect(queues.delayed).toEqual([{ message: retry, dueAt: T0 + 1_800_000, delaySeconds: 2 }]);
  });

  it('releases a due attempt into the FIFO queue without dueAt', async () => {
    const { deps, queues, clock } = setup();
    clock.set(T0 + 1_800_000);
    expect(await handleRetryMessage(deps, JSON.stringify(retry))).toBe('released');
    const { dueAt: _dueAt, ...due } = retry;
    expect(queues.enqueued).toEqual([due]);
    expect(queues.enqueued[0]).not.toHaveProperty('dueAt');
    expect(queues.delayed).toEqual([]);
  });

  it('releases an overdue attempt', async () => {
    const { deps, queues, clock } = setup();
    clock.set(T0 + 5 * 3_600_000);
    expect(await handleRetryMessage(deps, JSON.stringify(retry))).toBe('released');
    expect(queues.enqueued).toHaveLength(1);
  });

  it('rejects a message without dueAt, or not a delivery message, as poison', async () => {
    const { deps, queues } = setup();
    const { dueAt: _dueAt, ...noDue } = retry;
    await expect(handleRetryMessage(deps, JSON.stringify(noDue))).rejects.toThrow(PoisonMessageError);
    await expect(handleRetryMessage(deps, '{"hello":1}')).rejects.toThrow(PoisonMessageError);
    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([]);
  });

  it('propagates a queue failure so the retry message is not deleted', async () => {
    const { deps, queues } = setup();
    queues.fail('delay');
    await expect(handleRetryMessage(deps, JSON.stringify(retry))).rejects.toThrow(/sqs is unavailable/);
  });
});

describe('deduplicationId', () => {
  it('is one per delivery, round and attempt', () => {
    expect(deduplicationId(retry)).toBe(`${delivery.id}-0-2`);
    expect(deduplicationId({ ...retry, attempt: 3 })).toBe(`${delivery.id}-0-3`);
    // A recover starts a new round: its attempts are never taken for copies of the first round's.
    expect(deduplicationId({ ...retry, round: 1 })).toBe(`${delivery.id}-1-2`);
  });
});
