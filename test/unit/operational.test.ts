/**
 * Operational events: who may publish them (checkPublisher, through publishEvent and createEndpoint),
 * emitOperational's failure handling and idempotency, and the EventBridge adapter over a fake client.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { describe, expect, it, vi } from 'vitest';
import { EventBridgeBus } from '../../lambdas/adapters/eventbridge-bus';
import { createEndpoint } from '../../lambdas/domain/endpoints';
import { ValidationError } from '../../lambdas/domain/errors';
import {
  checkPublisher,
  emitOperational,
  endpointDisabledEvent,
  type OperationalEvent,
} from '../../lambdas/domain/operational';
import { publishEvent } from '../../lambdas/domain/publish';
import { endpointFixture, FakeClock, fakeService, T0 } from '../support/fakes';

const OPS = '_operational';
const iso = (ms: number) => new Date(ms).toISOString();

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function validationField(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).status).toBe(422);
  return (error as ValidationError).fields[0]?.field;
}

const failedEvent: OperationalEvent = {
  id: 'op_failed_dlv_1.0',
  type: 'delivery.failed',
  data: {
    tenantId: 't_1',
    endpointId: 'ep_1',
    deliveryId: 'dlv_1',
    eventId: 'evt_1',
    eventType: 'order.created',
    attempts: 4,
    reason: 'gave up after 4 attempts',
    at: iso(T0),
  },
};

describe('checkPublisher', () => {
  const settings = {};
  const thrown = (fn: () => void): ValidationError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return error as ValidationError;
    }
    throw new Error('expected a ValidationError');
  };
  it('refuses a product publish of an operational type, naming type', () => {
    for (const type of ['endpoint.disabled', 'endpoint.enabled', 'delivery.failed']) {
      expect(thrown(() => checkPublisher(settings, { tenantId: 't_1', type }, false)).fields).toEqual([
        { field: 'type', message: expect.stringContaining('operational event type') },
      ]);
    }
  });
  it('refuses a product publish to the operational tenant, naming tenantId', () => {
    const error = thrown(() => checkPublisher(settings, { tenantId: OPS, type: 'order.created' }, false));
    expect(error.fields).toEqual([{ field: 'tenantId', message: expect.stringContaining(OPS) }]);
    expect(error.status).toBe(422);
  });
  it('lets the service publish only operational types, only to the operational tenant', () => {
    expect(() => checkPublisher(settings, { tenantId: OPS, type: 'endpoint.enabled' }, true)).not.toThrow();
    expect(() => checkPublisher(settings, { tenantId: 't_1', type: 'endpoint.enabled' }, true)).toThrow();
    expect(() => checkPublisher(settings, { tenantId: OPS, type: 'order.created' }, true)).toThrow();
    expect(() => checkPublisher(settings, { tenantId: 't_1', type: 'order.created' }, false)).not.toThrow();
  });
});

describe('publishing and the operational tenant', () => {
  it("answers 422 on type for a product publish of 'endpoint.disabled'", async () => {
    const svc = fakeService();
    expect(
      await validationField(publishEvent(svc, { tenantId: 't_1', type: 'endpoint.disabled', data: {} })),
    ).toBe('type');
    expect(svc.store.allEvents()).toEqual([]);
  });

  it("answers 422 on tenantId for a product publish to '_operational'", async () => {
    const svc = fakeService();
    expect(await validationField(publishEvent(svc, { tenantId: OPS, type: 'order.created', data: {} }))).toBe(
      'tenantId',
    );
    expect(svc.store.allEvents()).toEqual([]);
  });

  it('respects a custom OPERATIONAL_TENANT', async () => {
    const svc = fakeService({ settings: { operationalTenant: 'ops' } });
    expect(
      await validationField(publishEvent(svc, { tenantId: 'ops', type: 'order.created', data: {} })),
    ).toBe('tenantId');
    // `_operational` is then an ordinary tenant.
    const out = await publishEvent(svc, { tenantId: OPS, type: 'order.created', data: {} });
    expect(out.status).toBe(202);
    expect(
      await validationField(publishEvent(svc, { tenantId: 't_1', type: 'endpoint.enabled', data: {} })),
    ).toBe('type');
  });

  it('lets the service publish to the operational tenant, whose endpoints get a delivery', async () => {
    const svc = fakeService();
    const ops = endpointFixture({ id: 'ep_ops', tenantId: OPS, events: ['delivery.failed'] });
    const unsubscribed = endpointFixture({ id: 'ep_ops2', tenantId: OPS, events: ['endpoint.enabled'] });
    svc.store.seed({ endpoints: [ops, unsubscribed] });
    const out = await publishEvent(
      svc,
      { tenantId: OPS, id: failedEvent.id, type: 'delivery.failed', data: { ...failedEvent.data } },
      { internal: true },
    );
    expect(out.status).toBe(202);
    expect(out.body.deliveries).toEqual([{ id: expect.stringMatching(/^dlv_/), endpointId: 'ep_ops' }]);
    expect(svc.queues.enqueued).toMatchObject([
      {
        tenantId: OPS,
        endpointId: 'ep_ops',
        eventId: failedEvent.id,
        eventType: 'delivery.failed',
        deliveryId: out.body.deliveries[0]!.id,
      },
    ]);
  });
});

describe('endpoints of the operational tenant', () => {
  const input = (tenantId: string, events: string[]) => ({
    tenantId,
    url: 'https://ops.example.com/hook',
    events,
  });

  it('subscribe to operational types only', async () => {
    const svc = fakeService();
    const created = await createEndpoint(svc, input(OPS, ['endpoint.disabled']));
    expect(created).toMatchObject({ tenantId: OPS, events: ['endpoint.disabled'], status: 'enabled' });
    expect(await createEndpoint(svc, input(OPS, ['*']))).toMatchObject({ events: ['*'] });
    const error = await rejection(createEndpoint(svc, input(OPS, ['order.created'])));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(422);
    expect((error as ValidationError).fields).toEqual([
      { field: 'events.0', message: expect.stringContaining('not an operational event type') },
    ]);
    expect(await validationField(createEndpoint(svc, input(OPS, ['delivery.failed', 'order.paid'])))).toBe(
      'events.1',
    );
  });

  it('of any other tenant cannot subscribe to operational types', async () => {
    const svc = fakeService();
    expect(await validationField(createEndpoint(svc, input('t_1', ['endpoint.disabled'])))).toBe('events.0');
    expect(await createEndpoint(svc, input('t_1', ['order.created']))).toMatchObject({
      events: ['order.created'],
    });
  });
});

describe('emitOperational', () => {
  it('reports a bus failure to onFailure and does not throw; the pipeline still gets the event', async () => {
    const onFailure = vi.fn();
    const publish = vi.fn(async () => undefined);
    const boom = new Error('bus down');
    const bus = { put: vi.fn(async () => Promise.reject(boom)) };
    await expect(emitOperational({ settings: {}, publish, bus, onFailure }, failedEvent)).resolves.toBe(
      undefined,
    );
    expect(onFailure).toHaveBeenCalledExactlyOnceWith(failedEvent, 'bus', boom);
    expect(publish).toHaveBeenCalledExactlyOnceWith(failedEvent);
  });

  it('reports a pipeline failure to onFailure and does not throw; the bus still gets the event', async () => {
    const onFailure = vi.fn();
    const boom = new Error('queue down');
    const bus = { put: vi.fn(async () => undefined) };
    await emitOperational(
      { settings: {}, publish: async () => Promise.reject(boom), bus, onFailure },
      failedEvent,
    );
    expect(onFailure).toHaveBeenCalledExactlyOnceWith(failedEvent, 'pipeline', boom);
    expect(bus.put).toHaveBeenCalledExactlyOnceWith(failedEvent);
  });

  it('does not throw without onFailure, nor without a bus', async () => {
    await expect(
      emitOperational({ settings: {}, publish: async () => Promise.reject(new Error('x')) }, failedEvent),
    ).resolves.toBe(undefined);
  });

  it('counts and logs a failure through the service wiring', async () => {
    const svc = fakeService();
    svc.bus.failWith = new Error('throttled');
    await emitOperational(svc.operational, failedEvent);
    expect(svc.telemetry.metrics).toContainEqual({
      name: 'OperationalEventsUnsent',
      unit: 'count',
      value: 1,
    });
    expect(svc.log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', extra: expect.objectContaining({ where: 'bus' }) }),
    );
  });

  it('publishes one event for the same occurrence emitted twice (its id is the idempotency key)', async () => {
    const svc = fakeService({ clock: new FakeClock(T0) });
    svc.store.seed({
      endpoints: [endpointFixture({ id: 'ep_ops', tenantId: OPS, events: ['endpoint.disabled'] })],
    });
    const event = endpointDisabledEvent(
      endpointFixture({ status: 'disabled', disabledAt: iso(T0), disabledReason: 'by hand' }),
    );
    await emitOperational(svc.operational, event);
    await emitOperational(svc.operational, event);

    const stored = svc.store.allEvents().filter((e) => e.tenantId === OPS);
    expect(stored.map((e) => e.id)).toEqual([event.id]);
    expect(svc.store.methodsCalled().filter((m) => m === 'putEvent')).toHaveLength(2);
    // The second was a republish: the same message again, which SQS's deduplication drops.
    expect(svc.queues.deduplicated()).toHaveLength(1);
    const again = await publishEvent(
      svc,
      { tenantId: OPS, id: event.id, type: event.type, data: { ...event.data } },
      { internal: true },
    );
    expect(again.status).toBe(200);
    expect(again.body.deliveries).toEqual(stored[0]!.deliveries);
    // The bus has no deduplication of its own: it gets each emit (rules see the same id twice).
    expect(svc.bus.events.map((e) => e.id)).toEqual([event.id, event.id]);
  });

  it("does not publish into the pipeline an event about the operational tenant's own endpoint", async () => {
    const publish = vi.fn(async () => undefined);
    const bus = { put: vi.fn(async () => undefined) };
    const own = { ...failedEvent, data: { ...failedEvent.data, tenantId: 'ops' } };
    await emitOperational({ settings: { operationalTenant: 'ops' }, publish, bus }, own);
    expect(publish).not.toHaveBeenCalled();
    expect(bus.put).toHaveBeenCalledExactlyOnceWith(own);
  });
});

describe('EventBridgeBus', () => {
  function fakeClient(answer: unknown = { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }) {
    const inputs: { Entries: Record<string, unknown>[] }[] = [];
    const client = {
      send: async (command: { input: { Entries: Record<string, unknown>[] } }) => {
        inputs.push(command.input);
        return answer;
      },
    } as unknown as Pick<EventBridgeClient, 'send'>;
    return { client, inputs };
  }

  it('puts one entry: source webhooks.operational, detail-type the type, detail the id and data', async () => {
    const { client, inputs } = fakeClient();
    const bus = new EventBridgeBus({ busName: 'ops-bus', region: 'eu-west-1', client });
    await bus.put(failedEvent);
    expect(inputs).toHaveLength(1);
    const entries = inputs[0]!.Entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'webhooks.operational',
      DetailType: 'delivery.failed',
      EventBusName: 'ops-bus',
      Time: new Date(T0),
    });
    // The data's fields sit at the top of `detail` (rules match `detail.tenantId`), beside the id.
    expect(JSON.parse(entries[0]!.Detail as string)).toEqual({ id: failedEvent.id, ...failedEvent.data });
  });

  it('rejects with the ErrorCode when the entry is refused (PutEvents answers 200 anyway)', async () => {
    const { client } = fakeClient({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const bus = new EventBridgeBus({ busName: 'ops-bus', region: 'eu-west-1', client });
    await expect(bus.put(failedEvent)).rejects.toThrow(/ThrottlingException/);
    await expect(bus.put(failedEvent)).rejects.toThrow(/delivery\.failed/);
  });

  it('rejects when the client throws', async () => {
    const client = {
      send: async () => {
        throw new Error('network');
      },
    } as unknown as Pick<EventBridgeClient, 'send'>;
    await expect(new EventBridgeBus({ busName: 'b', region: 'r', client }).put(failedEvent)).rejects.toThrow(
      'network',
    );
  });
});
