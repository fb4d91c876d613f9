/**
 * A rate-limited endpoint with a backlog, under AWS's SQS semantics (batches of up to 10 messages of one
 * group): the rate holds in every second, each message is received once (no receive count burnt while
 * it waits), order is kept, and a healthy endpoint beside it is not slowed down.
 */
import { describe, expect, it } from 'vitest';
import { assertInvariants } from './invariants';
import { MODEL_START, World } from './wiring';

const HOUR = 3_600_000;

describe('rate limit under AWS SQS semantics (model)', () => {
  it('keeps 2 per second over a backlog of 60, receiving each message once, in order', async () => {
    const world = new World({ random: () => 0.5 });
    await world.addEndpoint('ep_slow', 'sequential', { down: [], latencyMs: 30 }, { rateLimit: 2 });
    await world.addEndpoint('ep_fast', 'sequential', { down: [], latencyMs: 30 });
    // The backlog is queued before the event sources start, so receives come back 10 to a batch.
    for (let i = 0; i < 60; i++) await world.publish('ep_slow');
    for (let i = 0; i < 20; i++) await world.publish('ep_fast');
    world.start();
    await world.runUntilQuiet(MODEL_START + HOUR);
    world.stop();
    assertInvariants(world, 'rate limit 2/s, 60 queued; one healthy endpoint with 20');

    const posts = (id: string) => world.receiver.posts.filter((p) => p.url.includes(`//${id}.`));
    const slow = posts('ep_slow').map((p) => p.start);
    expect(slow).toHaveLength(60);
    // Never more than 2 sends in any 1-second window.
    for (let i = 2; i < slow.length; i++) expect(slow[i]! - slow[i - 2]!).toBeGreaterThanOrEqual(1000);
    // Not slower than the limit either: 60 at 2/s take about 30 s.
    expect(slow.at(-1)! - slow[0]!).toBeLessThan(36_000);
    // In publish order.
    const order = posts('ep_slow').map((p) => p.deliveryId);
    const published = world.published.filter((p) => p.endpointId === 'ep_slow').map((p) => p.deliveryId);
    expect(order).toEqual(published);
    // Each delivery message was handed out once: waiting for a slot costs no receive.
    const counts = [...world.sqs.receivesByBody.values()];
    expect(counts.length).toBeGreaterThanOrEqual(80);
    expect(Math.max(...counts)).toBe(1);
    // The healthy endpoint finished its 20 within the first few seconds, not behind the slow one.
    const fast = posts('ep_fast').map((p) => p.start);
    expect(fast).toHaveLength(20);
    expect(fast.at(-1)! - MODEL_START).toBeLessThan(10_000);
  });
});
