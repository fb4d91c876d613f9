/** The raw ceiling: the receiver alone, hit by a plain keep-alive HTTP client at a given concurrency. */
import { createHttpClient } from './http-client';
import type { BenchReceiver } from './receiver';
import { eventData } from './scenarios';
import { round, runPool } from './stats';

export async function measureCeiling(
  receiver: BenchReceiver,
  concurrency: number,
  requests: number,
): Promise<{ concurrency: number; perSec: number }> {
  const client = createHttpClient(concurrency);
  receiver.reset();
  try {
    const body = JSON.stringify({
      id: 'evt_ceiling0000000000000000000',
      event: 'order.created',
      created_at: new Date().toISOString(),
      data: eventData(0),
    });
    // Warm the connections first.
    await runPool(concurrency, concurrency, async () => {
      await client.post(`${receiver.url}/ceiling`, body);
    });
    const started = performance.now();
    await runPool(
      requests,
      concurrency,
      async () => {
        const out = await client.post(`${receiver.url}/ceiling`, body);
        if (out.status !== 200) throw new Error(`receiver answered ${out.status}`);
      },
      Date.now() + 30_000,
    );
    return { concurrency, perSec: round((requests / (performance.now() - started)) * 1000) };
  } finally {
    client.close();
    receiver.reset();
  }
}
