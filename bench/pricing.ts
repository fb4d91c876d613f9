/**
 * The cost model: what one measured run (AWS requests by operation, DynamoDB units, Lambda handler
 * times) costs per million events at public us-east-1 list prices. Pure: shared by our cost run and the
 * baseline's, which must not load anything from lambdas/.
 */
import type { OpStats } from './counting';
import { round } from './stats';

/**
 * us-east-1 list prices, dated. Taken from the project's AWS facts sheet (../shared/aws-facts.md), which
 * follows each service's public pricing page; re-check them there before relying on the dollars.
 */
export const PRICES = {
  date: '2026-11-23',
  /** REST API, first 333 million requests a month. */
  apiGatewayRestPerMillion: 3.5,
  /** HTTP API, first 300 million (the stack's default; REST is an option). */
  apiGatewayHttpPerMillion: 1.0,
  /** Per million requests, each 64 KB chunk of a payload billed as one request. */
  sqsFifoPerMillion: 0.5,
  sqsStandardPerMillion: 0.4,
  /** On-demand, per million write and read request units. */
  dynamoWritePerMillionUnits: 0.625,
  dynamoReadPerMillionUnits: 0.125,
  lambdaPerMillionRequests: 0.2,
  /** arm64, per GB-second (billed per 1 ms). */
  lambdaArmPerGbSecond: 0.0000133334,
} as const;

/** Memory of each function in the stack (lib/constructs: delivery 512 MB, ingest the 256 MB default). */
export const LAMBDA_MEMORY_MB = { ingest: 256, delivery: 512 } as const;
/** The receiver's answer time the model assumes (the 50 ms). */
export const RECEIVER_MS = 50;

export interface CostInput {
  readonly endpointsPerEvent: number;
  readonly events: number;
  /** Deliveries that reached the receiver (expected: events x endpoints). */
  readonly deliveries: number;
  readonly expected: number;
  readonly ops: readonly OpStats[];
  /** Delivery handler invocations: wall ms and records handed over. */
  readonly invocations: readonly { readonly ms: number; readonly records: number }[];
  /** Ingest handler wall ms per published event. */
  readonly ingestMs: readonly number[];
  /** Average DynamoDB item sizes by kind, bytes. */
  readonly itemBytes: Record<string, number>;
  /** Which API Gateway fronts the ingest (@default 'rest', the baseline's yardstick). */
  readonly api?: 'http' | 'rest';
  /** Events per ingest request (a batch publish sends 10). @default 1 */
  readonly eventsPerRequest?: number;
}

export interface CostCase {
  readonly endpointsPerEvent: number;
  readonly events: number;
  readonly deliveries: number;
  readonly lost: number;
  readonly ops: readonly OpStats[];
  /** Per delivered event (event x endpoint). */
  readonly perDelivery: {
    readonly sqsRequests: number;
    readonly readUnits: number;
    readonly writeUnits: number;
    readonly billableUnits: number;
    readonly deliveryInvocations: number;
    readonly deliveryBilledMs: number;
  };
  /** Per published event. */
  readonly perEvent: { readonly ingestBilledMs: number; readonly ingestMsP50: number };
  readonly itemBytes: Record<string, number>;
  /** Dollars per million events (each delivered to `endpointsPerEvent` endpoints), by line. */
  readonly dollarsPerMillionEvents: {
    readonly apiGateway: number;
    readonly lambdaIngest: number;
    readonly lambdaDelivery: number;
    readonly sqs: number;
    readonly dynamoWrites: number;
    readonly dynamoReads: number;
    readonly total: number;
  };
  readonly dollarsPerMillionDeliveries: number;
  readonly api: 'http' | 'rest';
  readonly eventsPerRequest: number;
  /**
   * The same measurements under sustained load, where Lambda's event source receives and deletes 10
   * messages a call and invokes the delivery function with 10: receives, deletes and delivery invocations
   * per delivery become 0.1 each, nothing else changes.
   */
  readonly sustained: {
    readonly sqsRequests: number;
    readonly billableUnits: number;
    readonly dollarsPerMillionDeliveries: number;
  };
}

const gbSeconds = (mb: number, ms: number) => (mb / 1024) * (ms / 1000);

export function priceCase(input: CostInput): CostCase {
  const { events, ops } = input;
  const deliveries = Math.max(1, input.deliveries);
  let fifo = 0;
  let standard = 0;
  let readUnits = 0;
  let writeUnits = 0;
  for (const o of ops) {
    if (o.service === 'sqs') {
      // Lambda's event source polls an idle queue too: empty receives are a fixed monthly cost, not per event.
      const billed = o.billed - o.emptyReceives;
      if (o.queue.endsWith('.fifo')) fifo += billed;
      else standard += billed;
    } else {
      readUnits += o.readUnits;
      writeUnits += o.writeUnits;
    }
  }
  // Receives (with messages) and deletes on the delivery queue: what sustained load batches 10 to a call.
  let pollerCalls = 0;
  for (const o of ops) {
    if (o.service !== 'sqs' || !o.queue.endsWith('.fifo') || o.queue.includes('dlq')) continue;
    if (o.op === 'ReceiveMessage') pollerCalls += o.billed - o.emptyReceives;
    if (o.op === 'DeleteMessageBatch' || o.op === 'DeleteMessage') pollerCalls += o.billed;
  }
  const api = input.api ?? 'rest';
  const eventsPerRequest = input.eventsPerRequest ?? 1;
  const deliveryBilledMs = input.invocations.reduce((n, i) => n + Math.ceil(i.ms), 0);
  const ingestBilledMs = input.ingestMs.reduce((n, ms) => n + Math.ceil(ms), 0);
  const sortedIngest = [...input.ingestMs].sort((a, b) => a - b);
  const perEvent = (n: number) => n / events;
  const million = (dollarsPerEvent: number) => round(dollarsPerEvent * 1e6, 3);
  const lines = {
    apiGateway: million(
      (api === 'http' ? PRICES.apiGatewayHttpPerMillion : PRICES.apiGatewayRestPerMillion) /
        1e6 /
        eventsPerRequest,
    ),
    lambdaIngest: million(
      PRICES.lambdaPerMillionRequests / 1e6 / eventsPerRequest +
        gbSeconds(LAMBDA_MEMORY_MB.ingest, perEvent(ingestBilledMs)) * PRICES.lambdaArmPerGbSecond,
    ),
    lambdaDelivery: million(
      (perEvent(input.invocations.length) * PRICES.lambdaPerMillionRequests) / 1e6 +
        gbSeconds(LAMBDA_MEMORY_MB.delivery, perEvent(deliveryBilledMs)) * PRICES.lambdaArmPerGbSecond,
    ),
    sqs: million(
      (perEvent(fifo) * PRICES.sqsFifoPerMillion + perEvent(standard) * PRICES.sqsStandardPerMillion) / 1e6,
    ),
    dynamoWrites: million((perEvent(writeUnits) * PRICES.dynamoWritePerMillionUnits) / 1e6),
    dynamoReads: million((perEvent(readUnits) * PRICES.dynamoReadPerMillionUnits) / 1e6),
  };
  const total = round(
    Object.values(lines).reduce((a, b) => a + b, 0),
    3,
  );
  const perDeliveryOf = (n: number) => n / deliveries;
  const sustainedSqs = perDeliveryOf(fifo + standard - pollerCalls) + 0.2;
  const sustainedDelivery =
    (0.1 * PRICES.lambdaPerMillionRequests) / 1e6 +
    gbSeconds(LAMBDA_MEMORY_MB.delivery, perDeliveryOf(deliveryBilledMs)) * PRICES.lambdaArmPerGbSecond;
  const perDeliveryShare = (line: number) => line / (input.deliveries / events || 1);
  const sustainedDollars =
    perDeliveryShare(lines.apiGateway + lines.lambdaIngest + lines.dynamoWrites + lines.dynamoReads) +
    sustainedDelivery * 1e6 +
    sustainedSqs * PRICES.sqsFifoPerMillion;
  return {
    api,
    eventsPerRequest,
    sustained: {
      sqsRequests: round(sustainedSqs, 2),
      billableUnits: round(sustainedSqs + perDeliveryOf(readUnits + writeUnits), 2),
      dollarsPerMillionDeliveries: round(sustainedDollars, 3),
    },
    endpointsPerEvent: input.endpointsPerEvent,
    events,
    deliveries: input.deliveries,
    lost: input.expected - input.deliveries,
    ops,
    perDelivery: {
      sqsRequests: round((fifo + standard) / deliveries, 2),
      readUnits: round(readUnits / deliveries, 2),
      writeUnits: round(writeUnits / deliveries, 2),
      billableUnits: round((fifo + standard + readUnits + writeUnits) / deliveries, 2),
      deliveryInvocations: round(input.invocations.length / deliveries, 2),
      deliveryBilledMs: round(deliveryBilledMs / deliveries, 1),
    },
    perEvent: {
      ingestBilledMs: round(perEvent(ingestBilledMs), 1),
      ingestMsP50: round(sortedIngest[Math.floor(sortedIngest.length / 2)] ?? 0, 1),
    },
    itemBytes: input.itemBytes,
    dollarsPerMillionEvents: { ...lines, total },
    dollarsPerMillionDeliveries: round(total / (input.deliveries / events || 1), 3),
  };
}
