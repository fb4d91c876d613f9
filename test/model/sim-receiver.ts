/**
 * The receivers' side of the simulation: an HttpSender whose endpoints answer as scripted over simulated
 * time, and which records every POST (start, end, outcome) so the invariants can check order and overlap.
 */
import type { HttpOutcome, HttpSender } from '../../lambdas/domain/ports';
import type { SimClock } from './sim-clock';

/** How an endpoint answers while it is down. */
export type DownKind = 'http_503' | 'http_500' | 'timeout' | 'refused';

export interface Availability {
  /** Windows of simulated time [from, to) during which the endpoint fails in the given way. */
  readonly down: readonly {
    readonly from: number;
    readonly to: number;
    readonly kind: DownKind;
    /** Sent as `Retry-After` with a 503. */
    readonly retryAfterSeconds?: number;
  }[];
  /** Simulated time a successful answer takes, ms. */
  readonly latencyMs: number;
}

export interface PostRecord {
  readonly url: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
}

export interface Overlap {
  readonly url: string;
  readonly at: number;
  readonly deliveryIds: readonly string[];
}

export class SimReceiver implements HttpSender {
  readonly posts: PostRecord[] = [];
  readonly overlaps: Overlap[] = [];
  private readonly scripts = new Map<string, Availability>();
  private readonly inFlight = new Map<string, string[]>();

  constructor(
    private readonly clock: SimClock,
    private readonly deliveryHeader: string,
  ) {}

  script(url: string, availability: Availability): void {
    this.scripts.set(url, availability);
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    const start = this.clock.now();
    const deliveryId = headers[this.deliveryHeader] ?? headers['webhook-id'] ?? '?';
    let eventId = '?';
    try {
      eventId = String((JSON.parse(body) as { id?: unknown }).id ?? '?');
    } catch {
      // Not an envelope: recorded with an unknown event id.
    }
    const current = this.inFlight.get(url) ?? [];
    current.push(deliveryId);
    this.inFlight.set(url, current);
    if (current.length > 1) this.overlaps.push({ url, at: start, deliveryIds: [...current] });

    const script = this.scripts.get(url) ?? { down: [], latencyMs: 50 };
    const down = script.down.find((w) => start >= w.from && start < w.to);
    let outcome: HttpOutcome;
    if (!down) {
      await this.clock.sleep(script.latencyMs);
      outcome = { kind: 'response', response: { status: 200, body: 'ok' } };
    } else if (down.kind === 'timeout') {
      await this.clock.sleep(timeoutMs);
      outcome = { kind: 'error', errorClass: 'timeout', message: `no answer within ${timeoutMs} ms` };
    } else if (down.kind === 'refused') {
      await this.clock.sleep(5);
      outcome = { kind: 'error', errorClass: 'connection', message: 'connect ECONNREFUSED' };
    } else {
      await this.clock.sleep(script.latencyMs);
      const status = down.kind === 'http_503' ? 503 : 500;
      const retryAfter =
        down.retryAfterSeconds !== undefined ? { retryAfter: String(down.retryAfterSeconds) } : {};
      outcome = { kind: 'response', response: { status, body: 'down', ...retryAfter } };
    }

    const list = this.inFlight.get(url)!;
    list.splice(list.indexOf(deliveryId), 1);
    const ok = outcome.kind === 'response' && outcome.response.status < 300;
    this.posts.push({ url, deliveryId, eventId, start, end: this.clock.now(), ok });
    return outcome;
  }
}
