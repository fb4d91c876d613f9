import { describe, expect, it } from 'vitest';
import { disableEndpoint, GONE_REASON } from '../../lambdas/domain/endpoint-health';
import type { Endpoint } from '../../lambdas/domain/model';
import { buildOpenApiDocument } from '../../lambdas/http/openapi';

// biome-ignore lint/suspicious/noExplicitAny: test convenience over the generated JSON document.
type Json = any;

const endpoint: Endpoint = {
  id: 'ep_1',
  tenantId: 't',
  url: 'https://example.com/h',
  events: ['*'],
  description: '',
  status: 'enabled',
  ordering: 'sequential',
  secrets: [{ secret: 'whsec_x' }],
  headers: { 'X-Route': 'eu' },
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

/** One endpoint record with the store's conditional update; `interfere` changes it before each update. */
function store(initial: Endpoint | undefined, interfere = 0) {
  let current = initial;
  const writes: Endpoint[] = [];
  return {
    writes,
    get current() {
      return current;
    },
    async getEndpoint() {
      return current;
    },
    async updateEndpoint(next: Endpoint, expected: string) {
      if (current && interfere > 0) {
        interfere--;
        current = {
          ...current,
          description: 'patched',
          updatedAt: new Date(Date.parse(current.updatedAt) + 5).toISOString(),
        };
      }
      if (!current || current.updatedAt !== expected) return false;
      writes.push(next);
      current = next;
      return true;
    },
  };
}
const clock = { now: () => Date.parse('2026-12-01T10:00:00.000Z') };

describe('disableEndpoint', () => {
  it('sets status, disabledAt and disabledReason through a conditional update, keeping the rest', async () => {
    const s = store(endpoint);
    expect(await disableEndpoint({ store: s, clock }, 't', 'ep_1', GONE_REASON)).toBeDefined();
    expect(s.current).toEqual({
      ...endpoint,
      status: 'disabled',
      disabledAt: '2026-12-01T10:00:00.000Z',
      disabledReason: GONE_REASON,
      updatedAt: '2026-12-01T10:00:00.000Z',
    });
  });
  it('re-reads after a concurrent change and never overwrites it', async () => {
    const s = store(endpoint, 1);
    expect(await disableEndpoint({ store: s, clock }, 't', 'ep_1', GONE_REASON)).toBeDefined();
    expect(s.current?.description).toBe('patched');
    expect(s.current?.status).toBe('disabled');
  });
  it('gives up after three lost races, and does nothing for a missing or disabled endpoint', async () => {
    const busy = store(endpoint, 3);
    expect(await disableEndpoint({ store: busy, clock }, 't', 'ep_1', GONE_REASON)).toBeUndefined();
    expect(busy.current?.status).toBe('enabled');
    expect(
      await disableEndpoint({ store: store(undefined), clock }, 't', 'ep_1', GONE_REASON),
    ).toBeUndefined();
    const off = store({ ...endpoint, status: 'disabled', disabledAt: 'x', disabledReason: 'y' });
    expect(await disableEndpoint({ store: off, clock }, 't', 'ep_1', GONE_REASON)).toBeUndefined();
    expect(off.writes).toEqual([]);
  });
});

describe('OpenAPI document', () => {
  it('describes headers and filter on create and PATCH, and disabledAt on reads', () => {
    const doc = buildOpenApiDocument();
    const create = doc.paths['/v1/endpoints']!.post as Json;
    const patch = doc.paths['/v1/endpoints/{id}']!.patch as Json;
    for (const op of [create, patch]) {
      const props = op.requestBody.content['application/json'].schema.properties;
      expect(props.headers.description).toMatch(/X-Amz/);
      expect(props.filter.description).toMatch(/EventBridge/);
    }
    expect((doc.paths['/v1/endpoints/{id}']!.get as Json).summary).toMatch(/disabledReason/);
  });
});
