import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const FULL = process.env.RELIABILITY_SCALE === 'full';
/** Full: the 10,000 events over 100 endpoints. Small (inside `npm test`): 1,000 over 20. */
const ENDPOINTS = FULL ? 100 : 20;
const EVENTS = FULL ? 10_000 : 1_000;
const PER_ENDPOINT = EVENTS / ENDPOINTS;

describe(`load: ${EVENTS} events over ${ENDPOINTS} endpoints, a quarter failing for a while`, () => {
  let runtime: Runtime;
  let receiver: Receiver;
  const startedAt = Date.now();
  /** Endpoint index -> behaviour. 0..quarter-1 fail for a while; the last one always fails. */
  const quarter = ENDPOINTS / 4;
  const failUntil = startedAt + 4000;
  const path = (i: number) => `/ep${i}`;

  beforeAll(async () => {
    receiver = await startReceiver((request) => {
      const i = Number(request.path.slice(3));
      if (i === ENDPOINTS - 1) return { status: 500, body: 'always down' };
      if (i < quarter && Date.now() < failUntil) return { status: 503, body: 'down for a while' };
      return { status: 200 };
    });
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s,2s,4s' }, deliveryConcurrency: 8 });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('accounts for every delivery: published = succeeded + failed, none pending', async () => {
    const api = apiClient(runtime.url);
    for (let i = 0; i < ENDPOINTS; i++) {
      const r = await api.createEndpoint({
        tenantId: `load${i}`,
        url: `${receiver.url}${path(i)}`,
        events: ['*'],
      });
      expect(r.status).toBe(201);
    }
    const published: string[] = [];
    let next = 0;
    const publisher = async () => {
      for (;;) {
        const n = next++;
        if (n >= EVENTS) return;
        const r = await api.publish({ tenantId: `load${n % ENDPOINTS}`, type: 'order.created', data: { n } });
        expect(r.status).toBe(202);
        expect(r.body.deliveries).toHaveLength(1);
        published.push(r.body.deliveries[0].id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, publisher));
    const publishSeconds = (Date.now() - startedAt) / 1000;
    expect(published).toHaveLength(EVENTS);

    const statuses = async () => {
      const counts: Record<string, number> = {};
      let start: Record<string, never> | undefined;
      do {
        const out = await runtime.dynamo.send(
          new ScanCommand({
            TableName: runtime.config.tableName,
            FilterExpression: 'kind = :dl',
            ExpressionAttributeValues: { ':dl': { S: 'delivery' } },
            ProjectionExpression: '#s',
            ExpressionAttributeNames: { '#s': 'status' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) counts[item.status!.S!] = (counts[item.status!.S!] ?? 0) + 1;
        start = out.LastEvaluatedKey as typeof start;
      } while (start);
      return counts;
    };
    let last: Record<string, number> = {};
    const final = await eventually(
      async () => {
        const counts = await statuses();
        last = counts;
        return (counts.pending ?? 0) === 0 && (counts.succeeded ?? 0) + (counts.failed ?? 0) === EVENTS
          ? counts
          : undefined;
      },
      FULL ? 300_000 : 90_000,
      'every delivery to end',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; records by status: ${JSON.stringify(last)} of ${EVENTS}`);
    });
    expect(final.pending ?? 0).toBe(0);
    expect((final.succeeded ?? 0) + (final.failed ?? 0)).toBe(EVENTS);
    // Only the always-failing endpoint's deliveries end failed; the quarter that recovered all succeed.
    expect(final.failed).toBe(PER_ENDPOINT);

    // What receivers saw agrees with the table: every succeeded delivery arrived (at least once).
    const arrivedOk = new Set(
      receiver.requests
        .filter((r) => Number(r.path.slice(3)) !== ENDPOINTS - 1)
        .map((r) => String(r.headers['yumkiosk-delivery'])),
    );
    expect(arrivedOk.size).toBe(EVENTS - PER_ENDPOINT);
    const dlq = (await api.health()).body.queues['webhook-deliveries-dlq.fifo'];
    expect(dlq.visible + dlq.inFlight).toBe(PER_ENDPOINT);
    console.info(
      `load: ${EVENTS} events / ${ENDPOINTS} endpoints published in ${publishSeconds.toFixed(1)} s, ` +
        `all ended in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${final.succeeded} succeeded, ` +
        `${final.failed} failed (in the DLQ), 0 pending; ${receiver.requests.length} requests received`,
    );
  }, 600_000);
});
