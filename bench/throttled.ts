/**
 * `npx tsx bench/throttled.ts [--doc] [--backlog=1000] [--events=20]`: a rate-limited endpoint with a
 * large backlog beside unthrottled ones (issue 14). Two runs through the local runtime, with the delivery
 * handler run by the runtime's own poller (8 "invocations", the Lambda event-source stand-in):
 *   A. 99 unthrottled endpoints, `--events` each, published in a burst;
 *   B. the same, after 1 endpoint at `rateLimit: 2` has been given a backlog of `--backlog` events.
 * For the 99 it reports how long they took and their latency, invocations, requests and node CPU per
 * delivery in both runs (they must not slow down, and the work per delivery must stay flat); for the
 * throttled endpoint, its highest rate in any 1-second window, how many invocations ever worked on it at
 * once, and whether any of its messages was received more than once. Run B stops once the 99 are done
 * and a few seconds more have been watched: the rest of the backlog (about 500 s of it at 2/s) is dropped.
 */
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import { makeDeliveryHandler } from '../lambdas/delivery/handler';
import { deliveryFunctionTimeoutSeconds } from '../lambdas/settings/resources';
import { startDynamo } from '../local/emulators';
import { startPoller } from '../local/poller';
import { createHttpClient, type HttpClient } from './http-client';
import { startOurs } from './ours';
import { type BenchReceiver, receiverKey, startReceiver } from './receiver';
import { writeIntoDoc } from './report';
import { DELIVERY_CONCURRENCY, EVENT_TYPE, eventData } from './scenarios';
import { percentile, round, sleep, waitUntil } from './stats';

const UNTHROTTLED = 99;
const RATE = 2;
/** How long the throttled endpoint is watched after the others are done. */
const WATCH_MS = 5000;

interface RunResult {
  readonly label: string;
  readonly delivered: number;
  readonly expected: number;
  readonly drainMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly invocationsPerDelivery: number;
  readonly busyMsPerDelivery: number;
  readonly requestsPerDelivery: number;
  readonly cpuMsPerDelivery: number;
  readonly maxConcurrent: number;
  readonly throttled?: {
    readonly delivered: number;
    /** Most sends started in any 1-second window (what the service controls). */
    readonly maxPerSecond: number;
    /** Most arrivals at the receiver in any 1-second window. */
    readonly maxArrivalsPerSecond: number;
    readonly meanPerSecond: number;
    readonly maxInvocationsAtOnce: number;
    readonly receivedTwice: number;
  };
}

async function publishAll(
  http: HttpClient,
  url: string,
  events: readonly { tenantId: string; seq: number }[],
): Promise<Map<string, number>> {
  const publishedAt = new Map<string, number>();
  for (let i = 0; i < events.length; i += 100) {
    const chunk = events.slice(i, i + 100);
    const sentAt = performance.now();
    const out = await http.post(
      `${url}/v1/events/batch`,
      JSON.stringify({
        events: chunk.map((e) => ({ tenantId: e.tenantId, type: EVENT_TYPE, data: eventData(e.seq) })),
      }),
    );
    if (out.status !== 207) throw new Error(`batch publish answered ${out.status}: ${out.body}`);
    for (const e of chunk) publishedAt.set(receiverKey(`/${e.tenantId}`, e.seq), sentAt);
  }
  return publishedAt;
}

/** The most arrivals in any window of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function run(
  label: string,
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  options: { backlog: number; events: number },
): Promise<RunResult> {
  const ours = await startOurs(dynamoEndpoint, { deliveryConcurrency: 0, sweepIntervalMs: 3_600_000 });
  const { runtime, counter } = ours;
  let poller: { stop(): Promise<void> } | undefined;
  try {
    const register = async (tenantId: string, extra: Record<string, unknown> = {}) => {
      const out = await http.post(
        `${runtime.url}/v1/endpoints`,
        JSON.stringify({ tenantId, url: `${receiver.url}/${tenantId}`, events: ['*'], ...extra }),
      );
      if (out.status !== 201) throw new Error(`registering answered ${out.status}: ${out.body}`);
      return (JSON.parse(out.body) as { id: string }).id;
    };
    const throttledId = options.backlog > 0 ? await register('slow', { rateLimit: RATE }) : undefined;
    const tenants = Array.from({ length: UNTHROTTLED }, (_, i) => `free${i}`);
    await Promise.all(tenants.map((t) => register(t)));
    receiver.reset();

    // The delivery function: the runtime's poller over the real handler, timed and watched.
    // Send times as the service makes them (the receiver's arrival times also carry this process's
    // event-loop delays, since the receiver runs in it).
    const sentToThrottled: number[] = [];
    const http0 = runtime.service.http;
    const deliver = makeDeliveryHandler({
      ...runtime.service,
      http: {
        post: (url, headers, body, timeoutMs) => {
          if (url.endsWith('/slow')) sentToThrottled.push(performance.now());
          return http0.post(url, headers, body, timeoutMs);
        },
      },
    });
    const invocations: { ms: number }[] = [];
    let open = 0;
    let maxOpen = 0;
    let onThrottled = 0;
    let maxOnThrottled = 0;
    const seenThrottled = new Map<string, number>();
    poller = startPoller({
      client: runtime.sqs,
      queueUrl: runtime.queues.deliveryQueueUrl,
      concurrency: DELIVERY_CONCURRENCY,
      functionTimeoutMs: deliveryFunctionTimeoutSeconds(runtime.config.settings.deliveryTimeoutMs) * 1000,
      handler: async (event: SQSEvent, context) => {
        const started = performance.now();
        const touches = event.Records.some((r) => r.attributes.MessageGroupId === throttledId);
        for (const r of event.Records)
          if (r.attributes.MessageGroupId === throttledId)
            seenThrottled.set(r.messageId, (seenThrottled.get(r.messageId) ?? 0) + 1);
        open++;
        maxOpen = Math.max(maxOpen, open);
        if (touches) maxOnThrottled = Math.max(maxOnThrottled, ++onThrottled);
        try {
          return await deliver(event, context);
        } finally {
          open--;
          if (touches) onThrottled--;
          invocations.push({ ms: performance.now() - started });
        }
      },
    });

    if (options.backlog > 0)
      await publishAll(
        http,
        runtime.url,
        Array.from({ length: options.backlog }, (_, seq) => ({ tenantId: 'slow', seq })),
      );
    // What the 99 cost from here on (the backlog's publishing is not theirs).
    counter.reset();
    const invocationsBefore = invocations.length;
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const freeEvents = tenants.flatMap((tenantId) =>
      Array.from({ length: options.events }, (_, seq) => ({ tenantId, seq })),
    );
    const publishedAt = await publishAll(http, runtime.url, freeEvents);
    const keys = [...publishedAt.keys()];
    const deliveredCount = () => keys.filter((k) => (receiver.arrivals.get(k)?.okCount ?? 0) > 0).length;
    await waitUntil(() => deliveredCount() >= keys.length, 120_000, 20);
    const drainMs = Math.max(...keys.map((k) => receiver.arrivals.get(k)?.firstOkAt ?? 0)) - t0;
    const cpu = process.cpuUsage(cpuBefore);
    const delivered = deliveredCount();
    const requests = counter.list().reduce((n, op) => n + op.calls, 0);
    const mine = invocations.slice(invocationsBefore);
    if (throttledId) await sleep(WATCH_MS);
    await poller.stop();
    poller = undefined;

    const latencies = keys
      .map((k) => (receiver.arrivals.get(k)?.firstOkAt ?? Number.NaN) - publishedAt.get(k)!)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const throttledTimes = [...receiver.arrivals.entries()]
      .filter(([k, a]) => k.startsWith('/slow') && a.okCount > 0)
      .map(([, a]) => a.firstOkAt);
    const span = throttledTimes.length > 1 ? Math.max(...throttledTimes) - Math.min(...throttledTimes) : 0;
    return {
      label,
      delivered,
      expected: keys.length,
      drainMs: round(drainMs, 0),
      p50Ms: round(percentile(latencies, 0.5), 1),
      p99Ms: round(percentile(latencies, 0.99), 1),
      // Invocations and requests while the 99 were delivered (the throttled endpoint's included in B).
      invocationsPerDelivery: round(mine.length / delivered, 3),
      busyMsPerDelivery: round(mine.reduce((n, i) => n + i.ms, 0) / delivered, 2),
      requestsPerDelivery: round(requests / delivered, 2),
      cpuMsPerDelivery: round((cpu.user + cpu.system) / 1000 / delivered, 2),
      maxConcurrent: maxOpen,
      ...(throttledId
        ? {
            throttled: {
              delivered: throttledTimes.length,
              maxPerSecond: maxInWindow(sentToThrottled, 1000),
              maxArrivalsPerSecond: maxInWindow(throttledTimes, 1000),
              meanPerSecond: round(span > 0 ? ((throttledTimes.length - 1) / span) * 1000 : 0, 2),
              maxInvocationsAtOnce: maxOnThrottled,
              receivedTwice: [...seenThrottled.values()].filter((n) => n > 1).length,
            },
          }
        : {}),
    };
  } finally {
    await poller?.stop();
    await ours.stop();
  }
}

function markdown(a: RunResult, b: RunResult, options: { backlog: number; events: number }): string {
  const row = (r: RunResult) =>
    `| ${r.label} | ${r.delivered}/${r.expected} | ${r.drainMs} | ${r.p50Ms} / ${r.p99Ms} | ${r.invocationsPerDelivery} | ${r.busyMsPerDelivery} | ${r.requestsPerDelivery} | ${r.cpuMsPerDelivery} | ${r.maxConcurrent} |`;
  const t = b.throttled!;
  return [
    `Measured ${new Date().toISOString()} (\`npm run bench\`, or \`npx tsx bench/throttled.ts --doc\` alone): ${UNTHROTTLED} unthrottled endpoints with ${options.events} events each, published in batches of 100, without and with 1 endpoint at \`rateLimit: ${RATE}\` given a backlog of ${options.backlog} first; ${DELIVERY_CONCURRENCY} poller "invocations" over the real delivery handler. Load average at the end: ${loadavg()[0]!.toFixed(1)} on this machine.`,
    '',
    '| run | delivered (the 99) | all delivered after ms | latency p50 / p99 ms | invocations per delivery | invocation ms per delivery | AWS requests per delivery | node CPU ms per delivery | invocations at once, max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row(a),
    row(b),
    '',
    `Throttled endpoint in run B: ${t.delivered} delivered while watched; at most ${t.maxPerSecond} sends started in any 1-second window (${t.maxArrivalsPerSecond} arrivals, as the receiver in the same busy process timed them; mean ${t.meanPerSecond}/s); at most ${t.maxInvocationsAtOnce} invocation(s) at once working on it, ${t.receivedTwice} of its messages received more than once.`,
  ].join('\n');
}

export interface ThrottledOptions {
  readonly backlog: number;
  readonly events: number;
}

/** Both runs (after a short warm-up) on a running DynamoDB Local; the markdown for docs/performance.md. */
export async function runThrottled(
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  options: ThrottledOptions,
): Promise<{ a: RunResult; b: RunResult; markdown: string; held: boolean }> {
  await run('warm-up', dynamoEndpoint, receiver, http, { backlog: 0, events: 5 });
  const a = await run('A: 99 unthrottled', dynamoEndpoint, receiver, http, { ...options, backlog: 0 });
  const b = await run(
    `B: + 1 at ${RATE}/s with ${options.backlog} queued`,
    dynamoEndpoint,
    receiver,
    http,
    options,
  );
  const t = b.throttled!;
  const held = t.maxPerSecond <= RATE && t.receivedTwice === 0 && t.maxInvocationsAtOnce <= 1;
  return { a, b, markdown: markdown(a, b, options), held };
}

async function main() {
  const arg = (name: string, fallback: number) =>
    Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
  const options = { backlog: arg('backlog', 1000), events: arg('events', 20) };
  const dynamo = await startDynamo();
  const receiver = await startReceiver();
  const http = createHttpClient();
  try {
    const { markdown: text } = await runThrottled(dynamo.endpoint, receiver, http, options);
    process.stdout.write(`${text}\n`);
    if (process.argv.includes('--doc')) {
      const doc = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
      if (!writeIntoDoc(doc, 'throttled', text))
        process.stderr.write('docs/performance.md has no <!-- throttled --> block\n');
    }
  } finally {
    http.close();
    await receiver.close();
    await dynamo.stop();
  }
}

// Run as a script (`npx tsx bench/throttled.ts`); `npm run bench` imports runThrottled instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
