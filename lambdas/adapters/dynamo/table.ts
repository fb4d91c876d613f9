import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '../../domain/errors';
import type { Clock } from '../../domain/ports';
import { callAws } from '../aws-errors';

export type Item = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** Sweepable items are spread over this many sweep-index partitions. */
export const SWEEP_SHARDS = 4;

/**
 * Item keys (the layout is described in lib/resources.ts and docs/architecture.md). A delivery and its
 * attempts live in their endpoint's partition: the deliveries log of an endpoint is a query of the table's
 * own keys, and recording an outcome writes no index.
 */
export const keys = {
  endpoint: (tenantId: string, endpointId: string) => ({ pk: `T#${tenantId}`, sk: `EP#${endpointId}` }),
  tenantMeta: (tenantId: string) => ({ pk: `T#${tenantId}`, sk: 'META' }),
  event: (tenantId: string, eventId: string) => ({ pk: `EV#${tenantId}#${eventId}`, sk: 'EV' }),
  endpointPartition: (tenantId: string, endpointId: string) => `EP#${tenantId}#${endpointId}`,
  delivery: (tenantId: string, endpointId: string, deliveryId: string) => ({
    pk: `EP#${tenantId}#${endpointId}`,
    sk: `DL#${deliveryId}`,
  }),
  /** Attempt 2 and later (the first is kept in the delivery item itself). */
  attempt: (tenantId: string, endpointId: string, deliveryId: string, n: number) => ({
    pk: `EP#${tenantId}#${endpointId}`,
    sk: `AT#${deliveryId}#${String(n).padStart(6, '0')}`,
  }),
};

export function sweepShard(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `SWEEP#${h % SWEEP_SHARDS}`;
}

const INTERNAL = new Set([
  'pk',
  'sk',
  'kind',
  'expiresAt',
  'sweepPk',
  'sweepAt',
  'stPk',
  'stSk',
  'bodyZ',
  'a1',
  'last',
  'endpointCount',
]);

/** The record without the table's own attributes. */
export function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as T;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/**
 * Decodes an opaque cursor and checks it is a start key of the listing it is used with: exactly the
 * listing's key attributes, all strings, in the listing's own partition, with a sort key of the right kind.
 * Anything else (forged, edited, from another tenant or listing) is a 422, never a DynamoDB error.
 */
export function decodeCursor(
  cursor: string | undefined,
  expect: { partition: Record<string, string>; keys: readonly string[]; sortPrefix?: Record<string, string> },
): Item | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => ValidationError.of('cursor', 'is not a cursor returned by this listing');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  if (entries.length !== expect.keys.length) throw invalid();
  for (const [name, value] of entries) {
    if (!expect.keys.includes(name) || typeof value !== 'string' || value.length > 1024) throw invalid();
  }
  for (const [name, value] of Object.entries(expect.partition)) {
    if ((key as Item)[name] !== value) throw invalid();
  }
  for (const [name, prefix] of Object.entries(expect.sortPrefix ?? {})) {
    if (!((key as Record<string, string>)[name] ?? '').startsWith(prefix)) throw invalid();
  }
  return key as Item;
}

export interface DynamoStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retentionDays: number;
  /** The time, for records and expiry (tests pass a fake clock). */
  readonly clock?: Clock;
  /**
   * A plain client built with `cacheMiddleware: true`, for the hot path's two conditional puts (the event,
   * the first outcome): the document client refuses that option, and resolving the middleware stack on
   * every send is a measurable share of a request's CPU. Absent: those puts go through `client` too.
   */
  readonly writer?: DynamoDBClient;
}

/**
 * Items as the store writes them: undefined attributes left out, class instances (Buffers) not mapped. Each
 * user gets its own copy: the document client writes into the options object it is given.
 */
const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/** What every part of the DynamoDB store shares: the document client, the table, the clock. */
export class Table {
  readonly doc: DynamoDBDocumentClient;
  readonly writer: DynamoDBClient;
  readonly name: string;
  readonly retentionMs: number;
  readonly clock: Clock;

  constructor(options: DynamoStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { ...MARSHALL_OPTIONS } });
    this.writer = options.writer ?? options.client;
    this.name = options.tableName;
    this.retentionMs = options.retentionDays * DAY_MS;
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  now(): number {
    return this.clock.now();
  }

  /** TTL value (epoch seconds) for a record kept the retention period from `fromMs`. */
  expiresAt(fromMs: number): number {
    return Math.floor((fromMs + this.retentionMs) / 1000);
  }

  /** True if the item is past its expiry: TTL deletes lazily (days later), so reads must check. */
  expired(item: Item | undefined): boolean {
    return !!item && typeof item.expiresAt === 'number' && item.expiresAt <= this.now() / 1000;
  }

  /** Runs a conditional write: true if it was made, false if its condition did not hold. */
  async ifConditionHolds(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await callAws('dynamodb', write);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A put that only creates: true if written, false if an item with that key exists. */
  putIfAbsent(item: Item): Promise<boolean> {
    return this.ifConditionHolds(() =>
      this.writer.send(
        new PutItemCommand({
          TableName: this.name,
          Item: marshall(item, { ...MARSHALL_OPTIONS }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** BatchGetItem in chunks of 100 keys, resending unprocessed keys with back-off. Order is not kept. */
  async batchGet(keyList: Item[], options: { consistent?: boolean; projection?: string } = {}) {
    const items: Item[] = [];
    for (let i = 0; i < keyList.length; i += 100) {
      let pending: Item[] = keyList.slice(i, i + 100);
      for (let round = 0; pending.length > 0; round++) {
        if (round > 8) throw new Error('BatchGetItem left keys unprocessed after 8 retries');
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** round)));
        const keysNow = pending;
        const out = await callAws('dynamodb', () =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: {
                [this.name]: {
                  Keys: keysNow,
                  ConsistentRead: options.consistent ?? true,
                  ...(options.projection ? { ProjectionExpression: options.projection } : {}),
                },
              },
            }),
          ),
        );
        items.push(...(out.Responses?.[this.name] ?? []));
        pending = (out.UnprocessedKeys?.[this.name]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return items.filter((item) => !this.expired(item));
  }
}
