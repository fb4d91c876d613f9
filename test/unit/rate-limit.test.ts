import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeDeliveryHandler } from '../../lambdas/delivery/handler';
import { publishEvent } from '../../lambdas/domain/publish';
import { makePacer, spacingMs } from '../../lambdas/domain/rate-limit';
import { FakeClock } from '../support/fake-base';
import { endpointFixture, fakeService, fifoRecord, httpStatus, T0 } from '../support/fakes';

describe('pacer', () => {
  it('spaces sends to a rate-limited endpoint and waits out the spacing at the end of its group', async () => {
    const clock = new FakeClock(T0);
    const pacer = makePacer(clock, (ms) => clock.sleep(ms));
    const sends: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.beforeSend('ep_A', 4);
      sends.push(clock.now() - T0);
      clock.advance(30); // the attempt itself
    }
    expect(sends).toEqual([0, 255, 510, 765]);
    await pacer.settle('ep_A');
    expect(clock.now() - T0).toBe(1020);
    // The next batch (any instance) may send at once: the spacing since the last send has passed.
    await pacer.beforeSend('ep_A', 4);
    expect(clock.now() - T0).toBe(1020);
  });

  it('never waits for an endpoint without a limit, nor settles one it did not send to', async () => {
    const clock = new FakeClock(T0);
    const pacer = makePacer(clock, (ms) => clock.sleep(ms));
    for (let i = 0; i < 5; i++) await pacer.beforeSend('ep_B', undefined);
    await pacer.settle('ep_B');
    await pacer.settle('ep_C');
    expect(clock.now()).toBe(T0);
  });

  it('spaces sends by a second over the rate plus 2%, rounded up, so the rate is never exceeded', () => {
    expect(spacingMs(3)).toBe(340);
    expect(spacingMs(1)).toBe(1020);
    expect(spacingMs(1000)).toBe(2);
  });
});

describe('delivery handler with a rate-limited endpoint', () => {
  it('sends a batch at the endpoint rate, in order, with one attempt each, and leaves others alone', async () => {
    const service = fakeService();
    const limited = endpointFixture({ id: 'ep_A', events: ['order.created'], rateLimit: 2 });
    const free = endpointFixture({ id: 'ep_B', url: 'https://b.example.com/hook', events: ['kiosk.paired'] });
    service.store.seed({ endpoints: [limited, free] });
    for (let i = 1; i <= 5; i++)
      await publishEvent(service, { tenantId: 't_1', type: 'order.created', id: `evt_A${i}`, data: { i } });
    await publishEvent(service, { tenantId: 't_1', type: 'kiosk.paired', id: 'evt_B1', data: {} });
    const sentAt = new Map<string, number>();
    service.http.respond((call) => {
      sentAt.set(String(call.headers['YumKiosk-Delivery']), service.clock.now() - T0);
      return httpStatus(200);
    });
    const messages = service.queues.enqueued;
    const event: SQSEvent = {
      Records: messages.map((m, i) =>
        fifoRecord({ messageId: `m${i}`, groupId: m.endpointId, body: JSON.stringify(m) }),
      ),
    };
    const response = await makeDeliveryHandler(service)(event);

    expect(response.batchItemFailures).toEqual([]);
    const limitedTimes = messages.filter((m) => m.endpointId === 'ep_A').map((m) => sentAt.get(m.deliveryId));
    expect(limitedTimes).toEqual([0, 510, 1020, 1530, 2040]);
    // Not held behind the limited endpoint: its message went out at once.
    expect(sentAt.get(messages.find((m) => m.endpointId === 'ep_B')!.deliveryId)).toBe(0);
    // The batch ends only once the spacing after the last limited send has passed.
    expect(service.clock.now() - T0).toBeGreaterThanOrEqual(2550);
    for (const m of messages)
      expect(service.store.delivery(m.deliveryId)).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });
});
