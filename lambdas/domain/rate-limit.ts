/**
 * Per-endpoint rate limits (`rateLimit`, deliveries per second), kept by pacing inside the invocation.
 *
 * The FIFO queue hands one batch of an endpoint's group at a time, and hands out nothing more of that
 * group until the batch is done. So two rules keep the rate whatever the backlog and whichever instance
 * gets the next batch: sends to the endpoint within a batch are spaced by `1000 / rateLimit` ms
 * (`beforeSend`, `spacingMs`), and a batch that sent to it does not finish until that spacing has passed since its last
 * send (`settle`, at the end of the group's run). Throttled deliveries wait in their group: no attempt is
 * used, no message is received again, order is kept, and one invocation at a time works on the endpoint.
 */
import type { Clock } from './ports';

export interface Pacer {
  /** Waits until the endpoint may be sent to again (no wait without a limit). */
  beforeSend(endpointId: string, perSecond: number | undefined): Promise<void>;
  /** At the end of a group's run: waits out the spacing after its last send, so the next batch may send at once. */
  settle(endpointId: string): Promise<void>;
}

/**
 * Time between two sends: a second divided by the rate, plus 2% so that a receiver counting arrivals in
 * any 1-second window never sees one too many when the network delays one request a little more than
 * the next (measured in the bench: a few ms of jitter put 3 arrivals in a window at 2/s without it).
 */
export function spacingMs(perSecond: number): number {
  return Math.ceil((1000 / perSecond) * 1.02);
}

export function makePacer(clock: Clock, sleep: (ms: number) => Promise<void>): Pacer {
  /** The last send to each rate-limited endpoint in the batch being run, and its spacing. */
  const last = new Map<string, { at: number; spacing: number }>();
  const waitUntil = async (due: number) => {
    const ms = due - clock.now();
    if (ms > 0) await sleep(ms);
  };
  return {
    async beforeSend(endpointId, perSecond) {
      if (!perSecond) return;
      const spacing = spacingMs(perSecond);
      const previous = last.get(endpointId);
      if (previous) await waitUntil(previous.at + spacing);
      last.set(endpointId, { at: clock.now(), spacing });
    },
    async settle(endpointId) {
      const previous = last.get(endpointId);
      if (!previous) return;
      await waitUntil(previous.at + previous.spacing);
      last.delete(endpointId);
    },
  };
}

/** A clock's own wait when it has one (simulated clocks advance instead), else a timer. */
export function sleeperOf(clock: Clock): (ms: number) => Promise<void> {
  const own = (clock as { sleep?: (ms: number) => Promise<void> }).sleep;
  if (own) return (ms) => own.call(clock, ms);
  return (ms) => new Promise((resolve) => setTimeout(resolve, ms));
}
