import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors';
import type { Delivery, DeliveryMessage, Endpoint, StoredEvent } from '../domain/model';
import type { AttemptRecord, DeliveryQuery, Page, WebhookStore } from '../domain/ports';
import { callAws } from './aws-errors';

/** Pending deliveries are spread over this many sweep-index partitions. */
const SWEEP_SHARDS = 4;
const DAY_MS = 86_400_000;

type Item = Record<string, unknown>;

export const keys = {
  endpoint: (tenantId: string, endpointId: string) => ({ pk: `T#${tenantId}`, sk: `EP#${endpointId}` }),
  event: (tenantId: string, eventId: string) => ({ pk: `EV#${tenantId}#${eventId}`, sk: 'EV' }),
  delivery: (deliveryId: string) => ({ pk: `DL#${deliveryId}`, sk: 'DL' }),
};

function sweepShard(deliveryId: string): string {
  let h = 0;
  for (let i = 0; i < deliveryId.length; i++) h = (h * 31 + deliveryId.charCodeAt(i)) >>> 0;
  return `SWEEP#${h % SWEEP_SHARDS}`;
}

function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, sweepPk, expiresAt, kind, ...rest } = item;
  return rest as T;
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
}

/** WebhookStore on one DynamoDB table (layout in lib/resources.ts). */
export class DynamoStore implements WebhookStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retentionMs: number;

  constructor(options: DynamoStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.table = options.tableName;
    this.retentionMs = options.retentionDays * DAY_MS;
  }

  private expiresAt(fromIso: string): number {
    return Math.floor((Date.parse(fromIso) + this.retentionMs) / 1000);
  }

  async putEndpoint(endpoint: Endpoint): Promise<void> {
    await callAws('dynamodb', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.endpoint(endpoint.tenantId, endpoint.id), kind: 'endpoint', ...endpoint },
        }),
      ),
    );
  }

  async getEndpoint(tenantId: string, endpointId: string): Promise<Endpoint | undefined> {
    const out = await callAws('dynamodb', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.endpoint(tenantId, endpointId),
          ConsistentRead: true,
        }),
      ),
    );
    return strip<Endpoint>(out.Item);
  }

  async listTenantEndpoints(tenantId: string): Promise<Endpoint[]> {
    const items: Endpoint[] = [];
    let start: Item | undefined;
    do {
      const out = await callAws('dynamodb', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ep)',
            ExpressionAttributeValues: { ':pk': `T#${tenantId}`, ':ep': 'EP#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) items.push(strip<Endpoint>(item)!);
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async updateEndpoint(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean> {
    return this.ifConditionHolds(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.endpoint(endpoint.tenantId, endpoint.id), kind: 'endpoint', ...endpoint },
          ConditionExpression: 'attribute_exists(pk) AND updatedAt = :prev',
          ExpressionAttributeValues: { ':prev': expectedUpdatedAt },
        }),
      ),
    );
  }

  async deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    return this.ifConditionHolds(() =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.endpoint(tenantId, endpointId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async listEndpoints(
    tenantId: string,
    options: { limit: number; cursor?: string },
  ): Promise<Page<Endpoint>> {
    const pk = `T#${tenantId}`;
    const out = await callAws('dynamodb', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ep)',
          ExpressionAttributeValues: { ':pk': pk, ':ep': 'EP#' },
          ScanIndexForward: false,
          Limit: options.limit,
          ExclusiveStartKey: decodeCursor(options.cursor, {
            partition: { pk },
            keys: ['pk', 'sk'],
            sortPrefix: { sk: 'EP#' },
          }),
        }),
      ),
    );
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map((i) => strip<Endpoint>(i)!), ...(cursor ? { cursor } : {}) };
  }

  async createEvent(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    sweepAt: number,
  ): Promise<'created' | 'exists'> {
    const expiresAt = this.expiresAt(event.createdAt);
    try {
      await callAws('dynamodb', () =>
        this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...keys.event(event.tenantId, event.id), kind: 'event', ...event, expiresAt },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              ...deliveries.map((d) => ({
                Put: {
                  TableName: this.table,
                  Item: this.deliveryItem(d, sweepAt, expiresAt),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            ],
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return 'exists';
      }
      throw error;
    }
  }

  private deliveryItem(d: Delivery, sweepAt: number, expiresAt: number): Item {
    return {
      ...keys.delivery(d.id),
      kind: 'delivery',
      ...d,
      gsi1pk: `EP#${d.tenantId}#${d.endpointId}`,
      gsi1sk: d.id,
      gsi2pk: `EV#${d.tenantId}#${d.eventId}`,
      gsi2sk: d.id,
      sweepPk: sweepShard(d.id),
      sweepAt,
      expiresAt,
    };
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    const out = await callAws('dynamodb', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.event(tenantId, eventId), ConsistentRead: true }),
      ),
    );
    return strip<StoredEvent>(out.Item);
  }

  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    const out = await callAws('dynamodb', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.delivery(deliveryId), ConsistentRead: true }),
      ),
    );
    // TTL deletes lazily (days later): an expired item is treated as gone.
    if (out.Item && typeof out.Item.expiresAt === 'number' && out.Item.expiresAt <= Date.now() / 1000)
      return undefined;
    return strip<Delivery>(out.Item);
  }

  async createDelivery(delivery: Delivery, sweepAt: number): Promise<void> {
    await callAws('dynamodb', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: this.deliveryItem(delivery, sweepAt, this.expiresAt(delivery.createdAt)),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
    const byEndpoint = query.endpointId !== undefined;
    const pkName = byEndpoint ? 'gsi1pk' : 'gsi2pk';
    const skName = byEndpoint ? 'gsi1sk' : 'gsi2sk';
    const pk = byEndpoint
      ? `EP#${query.tenantId}#${query.endpointId}`
      : `EV#${query.tenantId}#${query.eventId}`;
    const values: Item = { ':pk': pk };
    let keyCondition = `${pkName} = :pk`;
    if (query.fromId) {
      keyCondition += ` AND ${skName} >= :from`;
      values[':from'] = query.fromId;
    }
    // The index holds keys only: a page of keys, then the items themselves (a status filter applies to the
    // items, so a filtered page can hold fewer than `limit`; the cursor still moves on).
    const out = await callAws('dynamodb', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: byEndpoint ? 'gsi1' : 'gsi2',
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: decodeCursor(query.cursor, {
            partition: { [pkName]: pk },
            keys: [pkName, skName, 'pk', 'sk'],
            sortPrefix: { pk: 'DL#', [skName]: 'dlv_' },
          }),
        }),
      ),
    );
    const keysFound = (out.Items ?? []).map((i) => ({ pk: i.pk, sk: i.sk }));
    const now = Date.now() / 1000;
    const byId = new Map(
      (await this.batchGet(keysFound, false))
        .filter((i) => typeof i.expiresAt !== 'number' || i.expiresAt > now)
        .map((i) => [i.pk, i]),
    );
    const items = keysFound
      .map((k) => byId.get(k.pk))
      .filter((i): i is Item => i !== undefined && (query.status === undefined || i.status === query.status))
      .map((i) => strip<Delivery>(i)!);
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return { items, ...(cursor ? { cursor } : {}) };
  }

  async recoverDelivery(deliveryId: string, at: number, sweepAt: number): Promise<boolean> {
    return this.ifConditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(deliveryId),
          UpdateExpression:
            'SET #status = :pending, attemptOffset = attemptCount, nextAttemptAt = :at, sweepPk = :shard, ' +
            'sweepAt = :sweep, updatedAt = :u REMOVE failureReason',
          ConditionExpression: '#status = :failed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':failed': 'failed',
            ':at': at,
            ':shard': sweepShard(deliveryId),
            ':sweep': sweepAt,
            ':u': new Date(at).toISOString(),
          },
        }),
      ),
    );
  }

  async getDeliveries(deliveryIds: readonly string[]): Promise<Delivery[]> {
    return (await this.batchGet(deliveryIds.map((id) => keys.delivery(id)))).map((i) => strip<Delivery>(i)!);
  }

  /** BatchGetItem in chunks of 100 keys, resending unprocessed keys with back-off. Order is not kept. */
  private async batchGet(keyList: Item[], consistent = true): Promise<Item[]> {
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
              RequestItems: { [this.table]: { Keys: keysNow, ConsistentRead: consistent } },
            }),
          ),
        );
        items.push(...(out.Responses?.[this.table] ?? []));
        pending = (out.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return items;
  }

  async loadForAttempt(message: DeliveryMessage, options: { withEvent?: boolean } = {}) {
    const items = await this.batchGet([
      keys.delivery(message.deliveryId),
      keys.endpoint(message.tenantId, message.endpointId),
      ...(options.withEvent === false ? [] : [keys.event(message.tenantId, message.eventId)]),
    ]);
    const byKind = (kind: string) => items.find((i) => i.kind === kind);
    return {
      delivery: strip<Delivery>(byKind('delivery')),
      endpoint: strip<Endpoint>(byKind('endpoint')),
      event: strip<StoredEvent>(byKind('event')),
    };
  }

  async recordAttempt(deliveryId: string, record: AttemptRecord): Promise<boolean> {
    const set = [
      'attempts = list_append(attempts, :a)',
      'attemptCount = :n',
      '#status = :s',
      'updatedAt = :u',
    ];
    const remove: string[] = [];
    const values: Item = {
      ':a': [record.attempt],
      ':n': record.attempt.number,
      ':prev': record.attempt.number - 1,
      ':s': record.status,
      ':pending': 'pending',
      ':u': new Date().toISOString(),
    };
    if (record.status === 'pending') {
      set.push('nextAttemptAt = :next', 'sweepAt = :sweep');
      values[':next'] = record.nextAttemptAt;
      values[':sweep'] = record.sweepAt;
    } else {
      remove.push('nextAttemptAt', 'sweepPk', 'sweepAt');
    }
    if (record.failureReason) {
      set.push('failureReason = :r');
      values[':r'] = record.failureReason;
    }
    return this.conditionalUpdate(
      deliveryId,
      set,
      remove,
      values,
      'attemptCount = :prev AND #status = :pending',
    );
  }

  async failDelivery(deliveryId: string, reason: string): Promise<boolean> {
    return this.conditionalUpdate(
      deliveryId,
      ['#status = :s', 'failureReason = :r', 'updatedAt = :u'],
      ['nextAttemptAt', 'sweepPk', 'sweepAt'],
      { ':s': 'failed', ':r': reason, ':u': new Date().toISOString(), ':pending': 'pending' },
      '#status = :pending',
    );
  }

  async listSweepable(now: number, limit: number): Promise<Delivery[]> {
    const keysFound: Item[] = [];
    for (let shard = 0; shard < SWEEP_SHARDS && keysFound.length < limit; shard++) {
      let start: Item | undefined;
      do {
        const out = await callAws('dynamodb', () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: 'sweep',
              KeyConditionExpression: 'sweepPk = :p AND sweepAt <= :now',
              ExpressionAttributeValues: { ':p': `SWEEP#${shard}`, ':now': now },
              Limit: Math.min(1000, limit - keysFound.length),
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const item of out.Items ?? []) keysFound.push({ pk: item.pk, sk: item.sk });
        start = out.LastEvaluatedKey;
      } while (start && keysFound.length < limit);
    }
    // The index is eventually consistent and keys-only: read the items, and act only on those still pending.
    return (await this.batchGet(keysFound, true))
      .filter((i) => i.status === 'pending')
      .map((i) => strip<Delivery>(i)!);
  }

  async rescheduleSweep(deliveryId: string, expected: number, next: number): Promise<boolean> {
    return this.conditionalUpdate(
      deliveryId,
      ['sweepAt = :next'],
      [],
      { ':next': next, ':expected': expected, ':pending': 'pending' },
      'sweepAt = :expected AND #status = :pending',
    );
  }

  /** Runs a conditional write: true if it was made, false if its condition did not hold. */
  private async ifConditionHolds(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await callAws('dynamodb', write);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async conditionalUpdate(
    deliveryId: string,
    set: string[],
    remove: string[],
    values: Item,
    condition: string,
  ): Promise<boolean> {
    const expression = `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`;
    return this.ifConditionHolds(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(deliveryId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
