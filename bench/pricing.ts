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
  /** HTTP API, first 300 million (for comparison only; the stack uses REST). */
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
  const deliveryBilledMs = input.invocations.reduce((n, i) => n + Math.ceil(i.ms), 0);
  const ingestBilledMs = input.ingestMs.reduce((n, ms) => n + Math.ceil(ms), 0);
  const sortedIngest = [...input.ingestMs].sort((a, b) => a - b);
  const perEvent = (n: number) => n / events;
  const million = (dollarsPerEvent: number) => round(dollarsPerEvent * 1e6, 3);
  const lines = {
    apiGateway: million(PRICES.apiGatewayRestPerMillion / 1e6),
    lambdaIngest: million(
      PRICES.lambdaPerMillionRequests / 1e6 +
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
  return {
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
