import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeDeliveryHandler } from '../../lambdas/delivery/handler';
import { type BatchRecord, processFifoBatch, type RecordOutcome } from '../../lambdas/domain/fifo-batch';
import { publishEvent } from '../../lambdas/domain/publish';
import { endpointFixture, fakeService, fifoRecord, httpStatus, T0 } from '../support/fakes';

interface Rec extends BatchRecord {
  readonly messageId: string;
  readonly groupId: string;
}

/** Records named `<group><n>`, e.g. `rec('A1')` is message A1 of group A. */
const rec = (id: string): Rec => ({ messageId: id, groupId: id.slice(0, 1) });
const batch = (...ids: string[]) => ids.map(rec);

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('processFifoBatch', () => {
  it('runs different groups concurrently', async () => {
    const a1 = deferred<RecordOutcome>();
    const started: string[] = [];
    const done = processFifoBatch(batch('A1', 'B1'), async (r) => {
      started.push(r.messageId);
      return r.messageId === 'A1' ? a1.promise : 'ack';
    });
    await settle();
    // B1 started (and finished) while A1 was still in flight.
    expect(started).toEqual(['A1', 'B1']);
    a1.resolve('ack');
    expect(await done).toEqual([]);
  });

  it('runs the messages of one group one after another, in order', async () => {
    const gates = new Map(['A1', 'A2', 'A3'].map((id) => [id, deferred<RecordOutcome>()]));
    const log: string[] = [];
    const done = processFifoBatch(batch('A1', 'A2', 'A3'), async (r) => {
      log.push(`start ${r.messageId}`);
      const outcome = await gates.get(r.messageId)!.promise;
      log.push(`end ${r.messageId}`);
      return outcome;
    });
    await settle();
    expect(log).toEqual(['start A1']);
    // Released out of order: A3's gate first changes nothing, A2 has not started.
    gates.get('A3')!.resolve('ack');
    await settle();
    expect(log).toEqual(['start A1']);
    gates.get('A1')!.resolve('ack');
    await settle();
    expect(log).toEqual(['start A1', 'end A1', 'start A2']);
    gates.get('A2')!.resolve('ack');
    expect(await done).toEqual([]);
    expect(log).toEqual(['start A1', 'end A1', 'start A2', 'end A2', 'start A3', 'end A3']);
  });

  it('fails the first failed message and every later one of its group, but not other groups', async () => {
    const processed: string[] = [];
    const failed = await processFifoBatch(batch('A1', 'A2', 'A3', 'A4', 'B1', 'B2'), async (r) => {
      processed.push(r.messageId);
      return r.messageId === 'A2' ? 'retry' : 'ack';
    });
    expect(failed).toEqual(['A2', 'A3', 'A4']);
    // A3 and A4 never ran; group B ran to the end (the groups interleave, so compare as sets).
    expect([...processed].sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
  });

  it('counts a thrown error as a failure and reports it to onError', async () => {
    const boom = new Error('boom');
    const errors: [string, unknown][] = [];
    const processed: string[] = [];
    const failed = await processFifoBatch(
      batch('A1', 'A2', 'B1'),
      async (r) => {
        processed.push(r.messageId);
        if (r.messageId === 'A1') throw boom;
        return 'ack';
      },
      { onError: (r, error) => errors.push([r.messageId, error]) },
    );
    expect(failed).toEqual(['A1', 'A2']);
    expect(errors).toEqual([['A1', boom]]);
    expect(processed).toEqual(['A1', 'B1']);
  });

  it('fails the messages it may no longer start, without starting them', async () => {
    let starts = 0;
    const processed: string[] = [];
    const failed = await processFifoBatch(
      batch('A1', 'A2', 'A3', 'B1', 'B2'),
      async (r) => {
        processed.push(r.messageId);
        return 'ack';
      },
      // Time for two starts only (A1 and B1 start before A2: the groups start concurrently).
      { shouldStart: () => ++starts <= 2 },
    );
    expect(processed).toEqual(['A1', 'B1']);
    expect(failed).toEqual(['A2', 'A3', 'B2']);
  });

  it('returns failures in batch order, not in the order groups finish', async () => {
    const b2 = deferred<RecordOutcome>();
    const done = processFifoBatch(batch('B1', 'A1', 'B2', 'A2', 'B3', 'A3'), async (r) => {
      if (r.messageId === 'B2') return b2.promise;
      return r.messageId === 'A2' ? 'retry' : 'ack';
    });
    await settle();
    b2.resolve('retry'); // group B fails after group A has already failed
    expect(await done).toEqual(['B2', 'A2', 'B3', 'A3']);
  });

  it('returns no failures for an empty batch', async () => {
    expect(await processFifoBatch([], async () => 'ack')).toEqual([]);
  });
});

describe('makeDeliveryHandler', () => {
  /**
   * Endpoint A (strict ordering) gets three order.created events, endpoint B (sequential) two
   * kiosk.paired events. The queue messages are taken from what publish enqueued.
   */
  async function setup(ordering: 'strict' | 'sequential', failA2: () => ReturnType<typeof httpStatus>) {
    const service = fakeService();
    const epA = endpointFixture({
      id: 'ep_A',
      url: 'https://a.example.com/hook',
      events: ['order.created'],
      ordering,
    });
    const epB = endpointFixture({ id: 'ep_B', url: 'https://b.example.com/hook', events: ['kiosk.paired'] });
    service.store.seed({ endpoints: [epA, epB] });
    const deps = service;
    for (let i = 1; i <= 3; i++)
      await publishEvent(deps, { tenantId: 't_1', type: 'order.created', id: `evt_A${i}`, data: { i } });
    for (let i = 1; i <= 2; i++)
      await publishEvent(deps, { tenantId: 't_1', type: 'kiosk.paired', id: `evt_B${i}`, data: { i } });

    const messages = new Map(service.queues.enqueued.map((m) => [m.eventId.slice(4), m]));
    const deliveryIdOf = (name: string) => messages.get(name)!.deliveryId;
    service.http.respond((call) =>
      call.headers['YumKiosk-Delivery'] === deliveryIdOf('A2') ? failA2() : httpStatus(200),
    );
    // Lambda hands the groups over interleaved; within a group, in order.
    const event: SQSEvent = {
      Records: ['A1', 'B1', 'A2', 'A3', 'B2'].map((name) =>
        fifoRecord({
          messageId: name,
          groupId: messages.get(name)!.endpointId,
          body: JSON.stringify(messages.get(name)),
        }),
      ),
    };
    return { service, event, deliveryIdOf };
  }

  it('reports only the failed strict-ordering message and the rest of its group', async () => {
    const { service, event, deliveryIdOf } = await setup('strict', () => httpStatus(500));
    const response = await makeDeliveryHandler(service)(event);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'A2' }, { itemIdentifier: 'A3' }]);
    const sent = service.http.calls.map((c) => c.headers['YumKiosk-Delivery']);
    expect(sent).toHaveLength(4);
    expect(sent).not.toContain(deliveryIdOf('A3'));
    expect(service.queues.held).toEqual([{ receiptHandle: 'rh-A2', until: T0 + 1000, seconds: 1 }]);
    // A3 was handed back untried: it is made visible again at once rather than after its timeout.
    expect(service.queues.released).toEqual([['rh-A3']]);
    expect(service.store.delivery(deliveryIdOf('A2'))).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(service.store.delivery(deliveryIdOf('B2'))).toMatchObject({ status: 'succeeded' });
  });

  it('acknowledges a failed sequential-ordering message and schedules its retry instead', async () => {
    const { service, event, deliveryIdOf } = await setup('sequential', () => httpStatus(500));
    const response = await makeDeliveryHandler(service)(event);

    expect(response.batchItemFailures).toEqual([]);
    expect(service.queues.delayed.map((d) => d.message)).toEqual([
      expect.objectContaining({ deliveryId: deliveryIdOf('A2'), attempt: 2 }),
    ]);
    expect(service.store.delivery(deliveryIdOf('A3'))).toMatchObject({ status: 'succeeded' });
  });

  it('reports a message whose processing throws, and the rest of its group, and logs the error', async () => {
    const { service, event } = await setup('sequential', () => {
      throw new Error('socket exploded');
    });
    const response = await makeDeliveryHandler(service)(event);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'A2' }, { itemIdentifier: 'A3' }]);
    expect(service.log.entries.filter((e) => e.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'delivery message failed',
        extra: { messageId: 'A2', error: 'Error: socket exploded' },
      },
    ]);
  });

  it('starts no attempt that could not finish before the Lambda deadline', async () => {
    const { service, event } = await setup('sequential', () => httpStatus(200));
    // 10 s timeout + 5 s margin: 15 s left is not enough.
    const response = await makeDeliveryHandler(service)(event, { getRemainingTimeInMillis: () => 15_000 });

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['A1', 'B1', 'A2', 'A3', 'B2']);
    expect(service.http.calls).toEqual([]);
  });
});
