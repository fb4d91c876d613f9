import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators';
import { type ChildRuntime, startChildRuntime } from '../support/child-runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually } from '../support/runtime';

const FULL = process.env.RELIABILITY_SCALE === 'full';
const EVENTS = FULL ? 600 : 150;
const ENDPOINTS = 3;
const IN_FLIGHT = 12;

describe('process faults: SIGKILL during publishing and during deliveries, then a restart (DATA_DIR)', () => {
  let receiver: Receiver;
  let dataDir: string;
  let runtime: ChildRuntime | undefined;

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, delayMs: 20 }));
    dataDir = mkdtempSync(join(tmpdir(), 'webhooks-kill-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every accepted event at least once; callers that got no answer retry with the same id', async () => {
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      ALLOW_INSECURE_TARGETS: 'true',
      RETRY_SCHEDULE: '1s,2s',
    };
    runtime = await startChildRuntime(env);
    let api = apiClient(runtime.url);
    for (let i = 0; i < ENDPOINTS; i++) {
      expect(
        (await api.createEndpoint({ tenantId: 'kill', url: `${receiver.url}/ep${i}`, events: ['*'] })).status,
      ).toBe(201);
    }

    // Publish with caller-chosen ids, IN_FLIGHT at a time, and kill the process in the middle of it.
    const accepted = new Set<string>();
    const unanswered = new Set<string>();
    let next = 0;
    const publisher = async () => {
      for (;;) {
        const n = next++;
        if (n >= EVENTS) return;
        const id = `kill-${n}`;
        try {
          const r = await api.publish({ tenantId: 'kill', type: 'order.created', data: { n }, id });
          if (r.status === 202 || r.status === 200) accepted.add(id);
          else unanswered.add(id);
        } catch {
          unanswered.add(id);
        }
      }
    };
    const publishing = Promise.all(Array.from({ length: IN_FLIGHT }, publisher));
    await eventually(
      async () => (accepted.size >= EVENTS / 3 ? true : undefined),
      60_000,
      'a third accepted',
    );
    runtime.process.kill('SIGKILL');
    await runtime.exited;
    await publishing;
    const deliveredBeforeKill = receiver.requests.length;
    expect(accepted.size).toBeLessThan(EVENTS);

    // A new port: another process on the machine may have taken the old one since the kill.
    runtime = await startChildRuntime({ ...env, PORT: String(await freePort()) });
    api = apiClient(runtime.url);
    // What a publisher does after a timeout or a refused connection: the same call again, same id.
    for (const id of unanswered) {
      const n = Number(id.slice(5));
      const r = await api.publish({ tenantId: 'kill', type: 'order.created', data: { n }, id });
      expect([200, 202]).toContain(r.status);
      accepted.add(id);
    }
    expect(accepted.size).toBe(EVENTS);

    // Kill again while the backlog is being delivered, and restart once more.
    await eventually(
      async () => (receiver.requests.length > deliveredBeforeKill + 20 ? true : undefined),
      60_000,
    );
    runtime.process.kill('SIGKILL');
    await runtime.exited;
    // A new port: another process on the machine may have taken the old one since the kill.
    runtime = await startChildRuntime({ ...env, PORT: String(await freePort()) });

    const key = (r: { body: string; path: string }) => `${JSON.parse(r.body).id}@${r.path}`;
    await eventually(
      async () => (new Set(receiver.requests.map(key)).size >= EVENTS * ENDPOINTS ? true : undefined),
      FULL ? 240_000 : 120_000,
      'every accepted event at every endpoint',
    );
    const unique = new Set(receiver.requests.map(key));
    for (const id of accepted)
      for (let i = 0; i < ENDPOINTS; i++) expect(unique.has(`${id}@/ep${i}`)).toBe(true);
    const duplicates = receiver.requests.length - unique.size;
    // At-least-once: duplicates only for what was in flight at each of the two kills (one per endpoint
    // group, at most a batch each), never a re-send of the whole backlog.
    expect(duplicates).toBeLessThanOrEqual(2 * ENDPOINTS * 10);
    console.info(
      `process faults: ${EVENTS} events x ${ENDPOINTS} endpoints; ${unanswered.size} publishes unanswered at the ` +
        `first kill and retried with their id; ${duplicates} duplicate deliveries over two kills`,
    );
  }, 300_000);
});
