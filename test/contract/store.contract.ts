/**
 * One contract for the store ports (`EndpointStore`, `EventStore`, `DeliveryStore`), run against the fake
 * (test/unit/store-fake.test.ts) and against the DynamoDB adapter on DynamoDB Local
 * (test/integration/store-dynamo.test.ts), so the fake cannot drift from the truth. Every test gets a
 * fresh, empty store and a FakeClock at T0 that the store reads for stamps and expiry.
 *
 * The endpoint and event half is here; the delivery half is in `store-deliveries.contract.ts`.
 */
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import { newId } from '../../lambdas/domain/ids';
import type { WebhookStore } from '../../lambdas/domain/ports';
import { FakeClock, T0 } from '../support/fake-base';
import { endpointFixture, eventFixture } from '../support/fixtures';
import { deliveryContract } from './store-deliveries.contract';

export const DAY_MS = 86_400_000;

/** The size in bytes of one stored item, as DynamoDB counts it, with the item's kind. */
export interface ItemSize {
  readonly kind: string;
  readonly bytes: number;
}

export interface ContractSubject {
  readonly store: WebhookStore;
  /** Every item of the store and its size; only the DynamoDB variant can tell. */
  readonly itemSizes?: () => Promise<ItemSize[]>;
}

export interface ContractOptions {
  /** Tests (by name) this subject is known to fail: run as `it.fails`, each with the reason in a comment. */
  readonly knownFailures?: ReadonlySet<string>;
}

/** A fresh store per test; `retentionDays` is 30. */
export type MakeSubject = (clock: FakeClock) => Promise<ContractSubject>;

export interface ContractContext {
  readonly subject: () => ContractSubject;
  readonly clock: () => FakeClock;
  readonly test: (name: string, fn: () => Promise<void>) => void;
}

export function storeContract(name: string, make: MakeSubject, options: ContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    let clock: FakeClock;
    let subject: ContractSubject;
    beforeEach(async () => {
      clock = new FakeClock(T0);
      subject = await make(clock);
    });
    const test = (title: string, fn: () => Promise<void>) =>
      options.knownFailures?.has(title) ? it.fails(title, fn) : it(title, fn);
    const ctx: ContractContext = { subject: () => subject, clock: () => clock, test };
    const store = () => subject.store;

    describe('endpoints', () => {
      test('creates, reads, lists, updates and deletes an endpoint', async () => {
        const ep = endpointFixture({ id: newId('ep', T0), tenantId: 't_ep' });
        expect(await store().createEndpoint(ep, 50)).toBe('created');
        expect(await store().getEndpoint('t_ep', ep.id)).toEqual(ep);
        expect(await store().getEndpoint('t_ep', ep.id, { consistent: false })).toEqual(ep);
        expect(await store().getEndpoint('t_other', ep.id)).toBeUndefined();
        expect(await store().listTenantEndpoints('t_ep')).toEqual([ep]);

        const changed = {
          ...ep,
          url: 'https://new.example.com/h',
          updatedAt: new Date(T0 + 1).toISOString(),
        };
        expect(await store().updateEndpoint(changed, 'not-the-current-updatedAt')).toBe(false);
        expect(await store().updateEndpoint(changed, ep.updatedAt)).toBe(true);
        expect(await store().updateEndpoint({ ...changed, url: 'https://x.example.com' }, ep.updatedAt)).toBe(
          false,
        );
        expect(await store().getEndpoint('t_ep', ep.id)).toEqual(changed);

        expect(await store().deleteEndpoint('t_ep', ep.id)).toBe(true);
        expect(await store().deleteEndpoint('t_ep', ep.id)).toBe(false);
        expect(await store().getEndpoint('t_ep', ep.id)).toBeUndefined();
        expect(await store().updateEndpoint(changed, changed.updatedAt)).toBe(false);
        expect(await store().listTenantEndpoints('t_ep')).toEqual([]);
      });

      test('lists endpoints newest first, a page at a time, and refuses a foreign cursor', async () => {
        const ids = Array.from({ length: 5 }, (_, i) => newId('ep', T0 + i * 1000));
        for (const id of ids) await store().createEndpoint(endpointFixture({ id, tenantId: 't_page' }), 50);
        await store().createEndpoint(endpointFixture({ id: newId('ep', T0), tenantId: 't_else' }), 50);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store().listEndpoints('t_page', { limit: 2, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((e) => e.id));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10);
        expect(seen).toEqual([...ids].reverse());
        const first = await store().listEndpoints('t_page', { limit: 2 });
        expect(first.cursor).toBeDefined();
        await expect(store().listEndpoints('t_else', { limit: 2, cursor: first.cursor! })).rejects.toThrow(
          ValidationError,
        );
        await expect(
          store().listEndpoints('t_page', { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }),
        ).rejects.toThrow(ValidationError);
      });

      test('holds the cap under 60 concurrent creates at cap 50: exactly 50 created', async () => {
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            store().createEndpoint(
              endpointFixture({ id: `ep_cap_${String(i).padStart(2, '0')}`, tenantId: 't_cap' }),
              50,
            ),
          ),
        );
        expect(results.filter((r) => r === 'created')).toHaveLength(50);
        expect(results.filter((r) => r === 'limit_reached')).toHaveLength(10);
        expect(await store().listTenantEndpoints('t_cap')).toHaveLength(50);
        // A delete frees a place, and another tenant has its own count.
        const created = results.indexOf('created');
        expect(await store().deleteEndpoint('t_cap', `ep_cap_${String(created).padStart(2, '0')}`)).toBe(
          true,
        );
        expect(
          await store().createEndpoint(endpointFixture({ id: 'ep_cap_new', tenantId: 't_cap' }), 50),
        ).toBe('created');
        expect(
          await store().createEndpoint(endpointFixture({ id: 'ep_cap_more', tenantId: 't_cap' }), 50),
        ).toBe('limit_reached');
        expect(await store().createEndpoint(endpointFixture({ id: 'ep_1', tenantId: 't_free' }), 50)).toBe(
          'created',
        );
      });
    });

    describe('events', () => {
      test('puts an event once: a second put of its id is `exists` and changes nothing', async () => {
        const event = eventFixture({
          id: 'evt_once',
          tenantId: 't_ev',
          deliveries: [{ id: 'd', endpointId: 'e' }],
        });
        expect(await store().putEvent(event)).toBe('created');
        expect(await store().putEvent({ ...event, body: '{"other":true}', deliveries: [] })).toBe('exists');
        expect(await store().getEvent('t_ev', 'evt_once')).toEqual(event);
        // The id is per tenant.
        expect(await store().putEvent({ ...event, tenantId: 't_ev2' })).toBe('created');
        expect(await store().getEvent('t_ev', 'evt_missing')).toBeUndefined();
      });

      test('keeps a body byte for byte: multibyte UTF-8, large, compressible or not', async () => {
        const bodies = {
          small: '{"a":1}',
          multibyte: JSON.stringify({
            text: 'crème brûlée 🍰 寿司 🇯🇵 é (e\u0301) \u2028 "quotes" \\ ',
          }).repeat(50),
          large: JSON.stringify({
            items: Array.from({ length: 3000 }, (_, i) => ({ sku: `sku-${i}`, qty: i })),
          }),
          random: JSON.stringify({ blob: randomBytes(120_000).toString('base64') }),
        };
        expect(Buffer.byteLength(bodies.large)).toBeGreaterThan(60_000);
        for (const [id, body] of Object.entries(bodies)) {
          await store().putEvent(eventFixture({ id: `evt_${id}`, tenantId: 't_body', body }));
        }
        for (const [id, body] of Object.entries(bodies)) {
          const got = await store().getEvent('t_body', `evt_${id}`);
          expect(got?.body === body, `body of evt_${id} round-trips`).toBe(true);
        }
      });

      test('retainEvent keeps an event past its retention, records replays, never shortens', async () => {
        await store().putEvent(eventFixture({ id: 'evt_kept', tenantId: 't_ret' }));
        await store().putEvent(eventFixture({ id: 'evt_plain', tenantId: 't_ret' }));
        await store().putEvent(eventFixture({ id: 'evt_short', tenantId: 't_ret' }));
        await store().retainEvent('t_ret', 'evt_kept', T0 + 60 * DAY_MS, { id: 'dlv_r', endpointId: 'ep_1' });
        await store().retainEvent('t_ret', 'evt_kept', T0 + 61 * DAY_MS, { id: 'dlv_s', endpointId: 'ep_2' });
        await store().retainEvent('t_ret', 'evt_short', T0 + DAY_MS);
        await store().retainEvent('t_ret', 'evt_missing', T0 + DAY_MS, { id: 'dlv_x', endpointId: 'ep_1' });
        expect((await store().getEvent('t_ret', 'evt_kept'))?.replays).toEqual([
          { id: 'dlv_r', endpointId: 'ep_1' },
          { id: 'dlv_s', endpointId: 'ep_2' },
        ]);
        expect(await store().getEvent('t_ret', 'evt_missing')).toBeUndefined();
        ctx.clock().set(T0 + 10 * DAY_MS);
        expect(await store().getEvent('t_ret', 'evt_short')).toBeDefined();
        ctx.clock().set(T0 + 45 * DAY_MS);
        expect(await store().getEvent('t_ret', 'evt_kept')).toBeDefined();
        expect(await store().getEvent('t_ret', 'evt_plain')).toBeUndefined();
        expect(await store().getEvent('t_ret', 'evt_short')).toBeUndefined();
      });

      test('markUnsent makes an event sweepable from sweepAt on; clearUnsent takes it back', async () => {
        const event = eventFixture({ id: 'evt_unsent', tenantId: 't_uns' });
        await store().putEvent(event);
        await store().putEvent(eventFixture({ id: 'evt_sent', tenantId: 't_uns' }));
        expect(await store().listSweepable(T0 + DAY_MS, 100)).toEqual([]);
        await store().markUnsent('t_uns', 'evt_unsent', T0 + 30_000);
        await store().markUnsent('t_uns', 'evt_missing', T0 + 30_000);
        expect(await store().getEvent('t_uns', 'evt_missing')).toBeUndefined();
        expect((await store().getEvent('t_uns', 'evt_unsent'))?.unsent).toBe(true);
        expect(await store().listSweepable(T0 + 29_999, 100)).toEqual([]);
        const due = await store().listSweepable(T0 + 30_000, 100);
        expect(due).toEqual([{ kind: 'event', event: { ...event, unsent: true }, sweepAt: T0 + 30_000 }]);
        await store().clearUnsent('t_uns', 'evt_unsent');
        expect(await store().listSweepable(T0 + DAY_MS, 100)).toEqual([]);
        expect((await store().getEvent('t_uns', 'evt_unsent'))?.unsent).toBeUndefined();
        // At the local runtime's start, every event is listed, marked or not.
        const all = await store().listSweepable(T0, 100, true);
        expect(all.map((s) => (s.kind === 'event' ? s.event.id : s.delivery.id)).sort()).toEqual([
          'evt_sent',
          'evt_unsent',
        ]);
      });
    });

    deliveryContract(ctx);
  });
}
