import { describe, expect, it } from 'vitest';
import { cachedEndpoints, cachedTenantEndpoints } from '../../lambdas/domain/endpoint-cache';
import type { Endpoint } from '../../lambdas/domain/model';
import { endpointFixture, FakeClock, T0 } from '../support/fakes';

/** A lookup that counts its reads and answers from `records` (changeable), or fails when told. */
function countingLookup(records: Map<string, Endpoint>) {
  const reads: string[] = [];
  let failNext = 0;
  const read = async (tenantId: string, endpointId: string) => {
    reads.push(`${tenantId}/${endpointId}`);
    await Promise.resolve();
    if (failNext > 0) {
      failNext--;
      throw new Error('dynamodb unavailable');
    }
    return records.get(`${tenantId}/${endpointId}`);
  };
  return { read, reads, failOnce: () => failNext++ };
}

describe('cachedEndpoints', () => {
  it('serves an endpoint from memory within the ttl and reads it again after', async () => {
    const clock = new FakeClock(T0);
    const records = new Map([['t_1/ep_1', endpointFixture()]]);
    const { read, reads } = countingLookup(records);
    const lookup = cachedEndpoints(read, clock, 5000);
    expect(await lookup('t_1', 'ep_1')).toEqual(endpointFixture());
    records.set('t_1/ep_1', endpointFixture({ status: 'disabled' }));
    clock.advance(4999);
    expect((await lookup('t_1', 'ep_1'))?.status).toBe('enabled');
    expect(reads).toHaveLength(1);
    clock.advance(1);
    expect((await lookup('t_1', 'ep_1'))?.status).toBe('disabled');
    expect(reads).toHaveLength(2);
  });

  it('remembers that an endpoint is missing, for the ttl too', async () => {
    const clock = new FakeClock(T0);
    const records = new Map<string, Endpoint>();
    const { read, reads } = countingLookup(records);
    const lookup = cachedEndpoints(read, clock, 5000);
    expect(await lookup('t_1', 'ep_gone')).toBeUndefined();
    expect(await lookup('t_1', 'ep_gone')).toBeUndefined();
    expect(reads).toEqual(['t_1/ep_gone']);
  });

  it('shares one read among concurrent misses for the same endpoint, not across endpoints', async () => {
    const clock = new FakeClock(T0);
    const records = new Map([
      ['t_1/ep_1', endpointFixture()],
      ['t_2/ep_1', endpointFixture({ tenantId: 't_2' })],
    ]);
    const { read, reads } = countingLookup(records);
    const lookup = cachedEndpoints(read, clock, 5000);
    const results = await Promise.all([
      lookup('t_1', 'ep_1'),
      lookup('t_1', 'ep_1'),
      lookup('t_1', 'ep_1'),
      lookup('t_2', 'ep_1'),
    ]);
    expect(reads.sort()).toEqual(['t_1/ep_1', 't_2/ep_1']);
    expect(results.map((e) => e?.tenantId)).toEqual(['t_1', 't_1', 't_1', 't_2']);
  });

  it('does not remember a failed read: the next lookup reads again', async () => {
    const clock = new FakeClock(T0);
    const { read, reads, failOnce } = countingLookup(new Map([['t_1/ep_1', endpointFixture()]]));
    const lookup = cachedEndpoints(read, clock, 5000);
    failOnce();
    await expect(lookup('t_1', 'ep_1')).rejects.toThrow('dynamodb unavailable');
    expect(await lookup('t_1', 'ep_1')).toEqual(endpointFixture());
    expect(reads).toHaveLength(2);
  });

  it('reads every time with a ttl of 0', async () => {
    const clock = new FakeClock(T0);
    const { read, reads } = countingLookup(new Map([['t_1/ep_1', endpointFixture()]]));
    const lookup = cachedEndpoints(read, clock, 0);
    await lookup('t_1', 'ep_1');
    await lookup('t_1', 'ep_1');
    expect(reads).toHaveLength(2);
  });

  it('starts afresh when full, so memory stays bounded', async () => {
    const clock = new FakeClock(T0);
    const { read, reads } = countingLookup(new Map());
    const lookup = cachedEndpoints(read, clock, 5000, 2);
    await lookup('t_1', 'a');
    await lookup('t_1', 'b');
    await lookup('t_1', 'c');
    await lookup('t_1', 'a');
    expect(reads).toEqual(['t_1/a', 't_1/b', 't_1/c', 't_1/a']);
  });
});

describe('cachedTenantEndpoints (fan-out, FANOUT_CACHE_TTL)', () => {
  function tenantLookup(list: Endpoint[]) {
    const reads: string[] = [];
    let failNext = false;
    const read = async (tenantId: string) => {
      reads.push(tenantId);
      await Promise.resolve();
      if (failNext) {
        failNext = false;
        throw new Error('dynamodb unavailable');
      }
      return list.filter((e) => e.tenantId === tenantId);
    };
    return { read, reads, failOnce: () => (failNext = true) };
  }

  it('fans out from the list read within the ttl; an endpoint created meanwhile counts from the ttl on', async () => {
    const clock = new FakeClock(T0);
    const list = [endpointFixture({ id: 'ep_1' })];
    const { read, reads } = tenantLookup(list);
    const lookup = cachedTenantEndpoints(read, clock, 1000);
    expect((await lookup('t_1')).map((e) => e.id)).toEqual(['ep_1']);
    list.push(endpointFixture({ id: 'ep_2' }));
    clock.advance(999);
    expect((await lookup('t_1')).map((e) => e.id)).toEqual(['ep_1']);
    clock.advance(1);
    expect((await lookup('t_1')).map((e) => e.id)).toEqual(['ep_1', 'ep_2']);
    expect(reads).toEqual(['t_1', 't_1']);
  });

  it('keeps tenants apart, shares concurrent reads, forgets failures, and reads every time at 0', async () => {
    const clock = new FakeClock(T0);
    const list = [endpointFixture({ id: 'ep_1' }), endpointFixture({ id: 'ep_9', tenantId: 't_2' })];
    const { read, reads, failOnce } = tenantLookup(list);
    const lookup = cachedTenantEndpoints(read, clock, 1000);
    const [a, b, c] = await Promise.all([lookup('t_1'), lookup('t_1'), lookup('t_2')]);
    expect([a, b, c].map((l) => l.map((e) => e.id))).toEqual([['ep_1'], ['ep_1'], ['ep_9']]);
    expect(reads.sort()).toEqual(['t_1', 't_2']);
    clock.advance(1000);
    failOnce();
    await expect(lookup('t_1')).rejects.toThrow('dynamodb unavailable');
    expect((await lookup('t_1')).map((e) => e.id)).toEqual(['ep_1']);
    const uncached = tenantLookup(list);
    const every = cachedTenantEndpoints(uncached.read, clock, 0);
    await every('t_1');
    await every('t_1');
    expect(uncached.reads).toEqual(['t_1', 't_1']);
  });
});
