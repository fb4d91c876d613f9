/**
 * The four scenarios of the issue, their sizes (full and --quick), the events each publishes, and the
 * driver that publishes them into a system (ours or the baseline) and reads the results off the receiver.
 */
import { readFileSync } from 'node:fs';
import type { BenchReceiver } from './receiver';
import { receiverKey } from './receiver';
import { type LatencySummary, round, runPaced, runPool, sleep, summarize, waitUntil } from './stats';

export interface Scenario {
  readonly id: 0 | 1 | 2 | 3;
  /** Short name used in the JSON output. */
  readonly name: string;
  /** One tenant per endpoint, each endpoint subscribed to every type. */
  readonly endpoints: number;
  readonly eventsPerEndpoint: number;
  /** Steady publishing at this rate; as fast as possible (`publishConcurrency` in flight) when unset. */
  readonly pacePerSec?: number;
  readonly publishConcurrency: number;
  /** Every event whose seq is a multiple of this fails its first attempt (10 -> 10%). */
  readonly failEvery?: number;
  /** How long to wait for the last delivery after the last publish. */
  readonly drainTimeoutMs: number;
}

/** Publishers in flight when publishing "as fast as possible" (the same for ours and the baseline). */
export const PUBLISH_CONCURRENCY = 8;
/** The retry schedule of every run (scenario 3 needs it; the others never fail). */
export const RETRY_SCHEDULE = '1s';
/** Delivery "invocations" polling at once: the local runtime's default, used for the baseline too. */
export const DELIVERY_CONCURRENCY = 8;
/** The body every receiver gets is padded to this size (the "1 KB payload"). */
export const PAYLOAD_BYTES = 1024;
export const EVENT_TYPE = 'order.created';
/** Cost runs publish one event at a time at this interval: a service that is not saturated. */
export const COST_PUBLISH_INTERVAL_MS = 100;

export function scenarios(quick: boolean): Scenario[] {
  return [
    {
      id: 0,
      name: 'latency',
      endpoints: 1,
      eventsPerEndpoint: quick ? 75 : 300,
      pacePerSec: 30,
      publishConcurrency: PUBLISH_CONCURRENCY,
      drainTimeoutMs: 15_000,
    },
    {
      id: 1,
      name: 'sequential',
      endpoints: 1,
      eventsPerEndpoint: quick ? 150 : 2000,
      publishConcurrency: PUBLISH_CONCURRENCY,
      drainTimeoutMs: quick ? 30_000 : 90_000,
    },
    {
      id: 2,
      name: 'parallel',
      endpoints: quick ? 20 : 100,
      eventsPerEndpoint: quick ? 10 : 20,
      publishConcurrency: PUBLISH_CONCURRENCY,
      drainTimeoutMs: quick ? 30_000 : 90_000,
    },
    {
      id: 3,
      name: 'retry',
      endpoints: 10,
      eventsPerEndpoint: quick ? 10 : 50,
      publishConcurrency: PUBLISH_CONCURRENCY,
      failEvery: 10,
      drainTimeoutMs: 60_000,
    },
  ];
}

export function sizeLabel(s: Scenario): string {
  const total = s.endpoints * s.eventsPerEndpoint;
  const pace = s.pacePerSec ? ` at ${s.pacePerSec}/s` : ' burst';
  return `${s.endpoints} ep x ${s.eventsPerEndpoint} = ${total}${pace}`;
}

export interface PlannedEvent {
  /** Unique within the run; the receiver keys deliveries by it. */
  readonly seq: number;
  readonly endpoint: number;
  readonly tenantId: string;
  /** `POST /v1/events` body. */
  readonly body: string;
  readonly key: string;
}

export const endpointPath = (endpoint: number) => `/ep/${endpoint}`;
export const tenantOf = (endpoint: number) => `bench-t${endpoint}`;

/**
 * `data` padded so the envelope the receiver gets is about PAYLOAD_BYTES. The padding is pseudo-random hex
 * (the same for a given `seq`): it compresses about 2 to 1, less than typical JSON webhook payloads (3 to
 * 5 to 1), so the event store's compression is not flattered. A run of one letter would compress 100 to 1.
 */
export function eventData(seq: number): Record<string, unknown> {
  // The envelope around data: {"id":"evt_<26>","event":"order.created","created_at":"<24>","data":...}
  const envelopeOverhead = 98;
  const bare = JSON.stringify({ seq, pad: '' }).length;
  return { seq, pad: hexPad(seq, Math.max(0, PAYLOAD_BYTES - envelopeOverhead - bare)) };
}

function hexPad(seed: number, length: number): string {
  let x = (seed + 1) * 2654435761;
  let out = '';
  while (out.length < length) {
    // xorshift32: cheap, deterministic, no library.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += (x >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

/** Events in publish order: round robin over the endpoints, so every group has work from the start. */
export function plan(s: Scenario): PlannedEvent[] {
  const events: PlannedEvent[] = [];
  let seq = 0;
  for (let round = 0; round < s.eventsPerEndpoint; round++) {
    for (let endpoint = 0; endpoint < s.endpoints; endpoint++) {
      const tenantId = tenantOf(endpoint);
      events.push({
        seq,
        endpoint,
        tenantId,
        body: JSON.stringify({ tenantId, type: EVENT_TYPE, data: eventData(seq) }),
        key: receiverKey(endpointPath(endpoint), seq),
      });
      seq++;
    }
  }
  return events;
}

export interface RunFigures {
  readonly events: number;
  /** Publishes not answered 2xx (not accepted, so not counted as lost). */
  readonly publishErrors: number;
  readonly publishPerSec: number;
  readonly deliveredPerSec: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Failed attempts the receiver answered (scenario 3's planned failures). */
  readonly failedAttempts: number;
  readonly latency: LatencySummary;
  readonly maxConcurrent: number;
  readonly elapsedMs: number;
  /** CPU per delivered event from the first publish to the last delivery: this Node process, DynamoDB Local. */
  readonly nodeCpuMs: number;
  readonly javaCpuMs: number;
}

export interface CpuSample {
  readonly node: number;
  readonly java: number;
}

/** CPU time used so far by this process and by the DynamoDB Local JVM (`/proc`, Linux), in ms. */
export function cpuSample(javaPid: number | undefined): CpuSample {
  const u = process.cpuUsage();
  let java = Number.NaN;
  if (javaPid) {
    try {
      const stat = readFileSync(`/proc/${javaPid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks (100 per second on Linux).
      java = (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      java = Number.NaN;
    }
  }
  return { node: (u.user + u.system) / 1000, java };
}

/**
 * Publishes the scenario's events with `publish` (resolving true on a 2xx), waits for every delivery to
 * reach the receiver (bounded by the drain timeout), then lets late duplicates arrive and counts.
 */
export async function drive(
  s: Scenario,
  receiver: BenchReceiver,
  publish: (e: PlannedEvent) => Promise<boolean>,
  javaPid?: number,
): Promise<RunFigures> {
  const events = plan(s);
  receiver.reset();
  if (s.failEvery) {
    const every = s.failEvery;
    receiver.set({ fail: (_key, seq, previous) => seq % every === 0 && previous === 0 });
  }
  const publishedAt = new Map<string, number>();
  const rejected = new Set<string>();
  const one = async (i: number) => {
    const e = events[i]!;
    publishedAt.set(e.key, performance.now());
    const ok = await publish(e).catch(() => false);
    if (!ok) rejected.add(e.key);
  };
  const cpuBefore = cpuSample(javaPid);
  const start = performance.now();
  if (s.pacePerSec) await runPaced(events.length, s.pacePerSec, one);
  else await runPool(events.length, s.publishConcurrency, one);
  const publishEnd = performance.now();

  const accepted = events.filter((e) => !rejected.has(e.key));
  const delivered = () => {
    let n = 0;
    for (const e of accepted) if ((receiver.arrivals.get(e.key)?.okCount ?? 0) > 0) n++;
    return n;
  };
  await waitUntil(() => delivered() >= accepted.length, s.drainTimeoutMs, 5);
  const cpuAfter = cpuSample(javaPid);
  let last = start;
  const latencies: number[] = [];
  for (const e of events) {
    const a = receiver.arrivals.get(e.key);
    if (!a || a.okCount === 0) continue;
    last = Math.max(last, a.firstOkAt);
    latencies.push(a.firstOkAt - publishedAt.get(e.key)!);
  }
  // Late copies (a redelivery after a visibility timeout would come much later; this catches races).
  await sleep(300);
  let duplicates = 0;
  let failedAttempts = 0;
  for (const e of events) {
    const a = receiver.arrivals.get(e.key);
    if (!a) continue;
    duplicates += Math.max(0, a.okCount - 1);
    failedAttempts += a.failedCount;
  }
  const count = delivered();
  return {
    events: events.length,
    publishErrors: rejected.size,
    publishPerSec: round((events.length / (publishEnd - start)) * 1000),
    deliveredPerSec: round((latencies.length / (last - start)) * 1000),
    delivered: count,
    lost: accepted.length - count,
    duplicates,
    failedAttempts,
    latency: summarize(latencies),
    maxConcurrent: receiver.maxConcurrent,
    elapsedMs: Math.round(last - start),
    nodeCpuMs: round((cpuAfter.node - cpuBefore.node) / Math.max(1, count), 2),
    javaCpuMs: round((cpuAfter.java - cpuBefore.java) / Math.max(1, count), 2),
  };
}
