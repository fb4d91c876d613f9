/**
 * Cost per million: publishes events to 1 and to 3 endpoints through the real ingest and delivery
 * handlers, with the receiver answering in 50 ms, and measures per delivered event
 * - every AWS request, by operation (SDK middleware, bench/counting.ts),
 * - DynamoDB read and write units, from item sizes (bench/capacity.ts),
 * - the Lambda time each function is billed (handler wall time, rounded up to 1 ms per invocation),
 * then prices them (bench/pricing.ts).
 *
 * The ingest handler is called directly (timed); the delivery handler is run by the runtime's own poller
 * (`local/poller.ts`, the Lambda event-source stand-in) around a timer, the runtime's pollers being off.
 */
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { makeDeliveryHandler } from '../lambdas/delivery/handler';
import { makeIngestHandler } from '../lambdas/ingest/handler';
import { deliveryFunctionTimeoutSeconds } from '../lib/resources';
import { startPoller } from '../local/poller';
import { averageItemSizes } from './capacity';
import type { HttpClient } from './http-client';
import { registerEndpoints, startOurs } from './ours';
import { type CostCase, priceCase, RECEIVER_MS } from './pricing';
import type { BenchReceiver } from './receiver';
import { receiverKey } from './receiver';
import {
  COST_PUBLISH_INTERVAL_MS,
  DELIVERY_CONCURRENCY,
  EVENT_TYPE,
  endpointPath,
  eventData,
} from './scenarios';
import { sleep, waitUntil } from './stats';

function gatewayEvent(body: string, path = '/v1/events'): APIGatewayProxyEvent {
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: { 'content-type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'bench',
      httpMethod: 'POST',
      path: '/v1/events',
      stage: 'bench',
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

async function runCase(
  endpointsPerEvent: number,
  events: number,
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  batch = 1,
): Promise<CostCase> {
  const ours = await startOurs(dynamoEndpoint, {
    deliveryConcurrency: 0,
    capacity: true,
    sweepIntervalMs: 3_600_000,
  });
  const { runtime, counter } = ours;
  let poller: { stop(): Promise<void> } | undefined;
  try {
    const tenantId = `cost-${endpointsPerEvent}-${batch}`;
    const first = 1000 * endpointsPerEvent + 100 * batch;
    await registerEndpoints(
      runtime,
      http,
      receiver,
      Array.from({ length: endpointsPerEvent }, (_, i) => ({ endpoint: first + i, tenantId })),
    );
    receiver.reset();
    receiver.set({ delayMs: RECEIVER_MS });
    counter.reset();

    const deliver = makeDeliveryHandler(runtime.service);
    const invocations: { ms: number; records: number }[] = [];
    poller = startPoller({
      client: runtime.sqs,
      queueUrl: runtime.queues.deliveryQueueUrl,
      concurrency: DELIVERY_CONCURRENCY,
      functionTimeoutMs: deliveryFunctionTimeoutSeconds(runtime.config.settings.deliveryTimeoutMs) * 1000,
      handler: async (event: SQSEvent, context) => {
        const started = performance.now();
        try {
          return await deliver(event, context);
        } finally {
          invocations.push({ ms: performance.now() - started, records: event.Records.length });
        }
      },
    });

    const ingest = makeIngestHandler(runtime.service);
    const ingestMs: number[] = [];
    for (let seq = 0; seq < events; seq += batch) {
      const items = Array.from({ length: Math.min(batch, events - seq) }, (_, i) => ({
        tenantId,
        type: EVENT_TYPE,
        data: eventData(seq + i),
      }));
      const started = performance.now();
      const result =
        batch === 1
          ? await ingest(gatewayEvent(JSON.stringify(items[0])), {} as never)
          : await ingest(gatewayEvent(JSON.stringify({ events: items }), '/v1/events/batch'), {} as never);
      ingestMs.push(performance.now() - started);
      const ok = batch === 1 ? result.statusCode === 202 : result.statusCode === 207;
      if (!ok) throw new Error(`ingest answered ${result.statusCode}: ${result.body}`);
      await sleep(COST_PUBLISH_INTERVAL_MS * items.length);
    }
    const keys = Array.from({ length: events }, (_, seq) =>
      Array.from({ length: endpointsPerEvent }, (_, i) => receiverKey(endpointPath(first + i), seq)),
    ).flat();
    const deliveredCount = () => keys.filter((k) => (receiver.arrivals.get(k)?.okCount ?? 0) > 0).length;
    await waitUntil(() => deliveredCount() >= keys.length, 30_000, 20);
    await poller.stop();
    poller = undefined;
    const deliveries = deliveredCount();
    return priceCase({
      endpointsPerEvent,
      events,
      deliveries,
      expected: keys.length,
      ops: counter.list(),
      invocations,
      ingestMs,
      itemBytes: await averageItemSizes(dynamoEndpoint, runtime.config.tableName),
      api: 'http',
      eventsPerRequest: batch,
    });
  } finally {
    await poller?.stop();
    receiver.set({});
    await ours.stop();
  }
}

export async function runCost(
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  events: number,
): Promise<CostCase[]> {
  return [
    await runCase(1, events, dynamoEndpoint, receiver, http),
    await runCase(3, events, dynamoEndpoint, receiver, http),
    await runCase(1, Math.max(10, events), dynamoEndpoint, receiver, http, 10),
  ];
}
