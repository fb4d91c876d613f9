import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { endpointOfDelivery } from '../../domain/ids';
import type { Attempt, Delivery, DeliveryRef, DeliverySummary } from '../../domain/model';
import type {
  AttemptRecord,
  DeliveryQuery,
  DeliveryState,
  DeliveryStore,
  Page,
  Sweepable,
} from '../../domain/ports';
import { callAws } from '../aws-errors';
import { listDeliveries, statusKey, summaryOf } from './delivery-listing';
import { sweepable } from './sweepable';
import { type Item, keys, strip, sweepShard, type Table } from './table';

/** Builds `SET a = :a, ... REMOVE b, ...` with every name escaped (several are reserved words). */
function updateOf(set: Item, remove: readonly string[] = [], raw: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Item = {};
  const parts = Object.entries(set).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const removed = remove.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  const expression = `SET ${[...parts, ...raw].join(', ')}${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}`;
  return { expression, names, values };
}

/** The inline first attempt: a JSON string (a map in records written before it was one). */
function inlineAttempt(a1: unknown): Attempt | undefined {
  if (typeof a1 === 'string') return JSON.parse(a1) as Attempt;
  return a1 as Attempt | undefined;
}

/**
 * Deliveries in their endpoint's partition (`DL#<id>`), each with its first attempt inline and later
 * attempts as small items of their own (`AT#<id>#<n>`), so no item grows with retries or recovers. The
 * sparse `status` index holds a tenant's pending and failed deliveries; `sweep` those waiting for a retry.
 */
export class DynamoDeliveries implements Omit<DeliveryStore, 'listSweepable'> {
  constructor(private readonly table: Table) {}

  listSweepable(now: number, limit: number, everything = false): Promise<Sweepable[]> {
    return sweepable(this.table, now, limit, everything);
  }

  private key(tenantId: string, deliveryId: string) {
    const endpointId = endpointOfDelivery(deliveryId);
    return endpointId ? keys.delivery(tenantId, endpointId, deliveryId) : undefined;
  }

  private identity(ref: DeliveryRef): Item {
    return {
      kind: 'delivery',
      id: ref.id,
      tenantId: ref.tenantId,
      eventId: ref.eventId,
      eventType: ref.eventType,
      endpointId: ref.endpointId,
      createdAt: ref.createdAt,
      ...(ref.replayOf ? { replayOf: ref.replayOf } : {}),
    };
  }

  async createDelivery(delivery: Delivery, sweepAt: number): Promise<void> {
    const { attempts: _attempts, nextAttemptAt, ...rest } = delivery;
    const now = this.table.now();
    await callAws('dynamodb', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.delivery(delivery.tenantId, delivery.endpointId, delivery.id),
            ...rest,
            kind: 'delivery',
            ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}),
            attemptOffset: 0,
            round: 0,
            stPk: statusKey(delivery.tenantId, 'pending'),
            stSk: delivery.id,
            sweepPk: sweepShard(delivery.id),
            sweepAt,
            expiresAt: this.table.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async holdDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    const now = this.table.now();
    await Promise.all(
      deliveries.map(({ attempts: _attempts, nextAttemptAt: _next, ...rest }) =>
        // No status or sweep index entry: held records are found from their endpoint's partition.
        this.table.ifConditionHolds(() =>
          this.table.doc.send(
            new PutCommand({
              TableName: this.table.name,
              Item: {
                ...keys.delivery(rest.tenantId, rest.endpointId, rest.id),
                ...rest,
                kind: 'delivery',
                status: 'held',
                attemptOffset: 0,
                round: 0,
                expiresAt: this.table.expiresAt(now),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      ),
    );
  }

  async recordAttempt(ref: DeliveryRef, record: AttemptRecord): Promise<boolean> {
    const { attempt, status } = record;
    const now = this.table.now();
    const key = keys.delivery(ref.tenantId, ref.endpointId, ref.id);
    const set: Item = {
      ...this.identity(ref),
      status,
      attemptCount: attempt.number,
      attemptOffset: record.attemptOffset,
      updatedAt: new Date(now).toISOString(),
      last: {
        startedAt: attempt.startedAt,
        ...(attempt.responseStatus !== undefined ? { responseStatus: attempt.responseStatus } : {}),
        ...(attempt.errorClass ? { errorClass: attempt.errorClass } : {}),
      },
      expiresAt: this.table.expiresAt(now),
      // The first attempt inline as one JSON string: one attribute for DynamoDB and the SDK to handle
      // instead of a map of a dozen (headers, body), the same size and units.
      ...(attempt.number === 1 ? { a1: JSON.stringify(attempt) } : {}),
    };
    const remove: string[] = [];
    if (status === 'pending') {
      Object.assign(set, {
        nextAttemptAt: record.nextAttemptAt,
        sweepPk: sweepShard(ref.id),
        sweepAt: record.sweepAt,
        stPk: statusKey(ref.tenantId, 'pending'),
        stSk: ref.id,
      });
      remove.push('failureReason');
    } else {
      remove.push('nextAttemptAt', 'sweepPk', 'sweepAt');
      if (status === 'failed') {
        Object.assign(set, {
          failureReason: record.failureReason,
          stPk: statusKey(ref.tenantId, 'failed'),
          stSk: ref.id,
        });
      } else remove.push('stPk', 'stSk', 'failureReason');
    }
    // The common case: no record yet (the first outcome of a fresh delivery). A conditional put of the
    // whole item is what the update would make of nothing, at a fraction of the update's cost to parse and
    // apply (docs/decisions.md). A record that exists (held and released, swept, replayed, or a copy of
    // this message) falls back to the conditional update, which decides as before; one the message says
    // exists (`recorded`) goes there at once, without a refused put (which DynamoDB bills as a write).
    const create = attempt.number === 1 && !record.recorded;
    if (create && (await this.table.putIfAbsent({ ...key, ...set, round: 0 }))) return true;
    const u = updateOf(set, remove, ['#round = if_not_exists(#round, :zero)']);
    const update = {
      TableName: this.table.name,
      Key: key,
      UpdateExpression: u.expression,
      ConditionExpression: 'attribute_not_exists(pk) OR (#st = :pending AND #count < :n)',
      ExpressionAttributeNames: { ...u.names, '#st': 'status', '#count': 'attemptCount', '#round': 'round' },
      ExpressionAttributeValues: { ...u.values, ':pending': 'pending', ':n': attempt.number, ':zero': 0 },
    };
    if (attempt.number === 1) {
      return this.table.ifConditionHolds(() => this.table.doc.send(new UpdateCommand(update)));
    }
    // A later attempt and the summary together or not at all: a refused record leaves no stray attempt.
    // Attempts after the first are retries, off the happy path, so the transaction's double price is paid
    // only there.
    try {
      await callAws('dynamodb', () =>
        this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              {
                Put: {
                  TableName: this.table.name,
                  Item: {
                    ...keys.attempt(ref.tenantId, ref.endpointId, ref.id, attempt.number),
                    kind: 'attempt',
                    ...attempt,
                    expiresAt: this.table.expiresAt(now),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.includes('ConditionalCheckFailed')) return false;
      }
      throw error;
    }
  }

  async failDelivery(ref: DeliveryRef, reason: string, attemptOffset: number): Promise<boolean> {
    const now = this.table.now();
    const u = updateOf(
      {
        ...this.identity(ref),
        status: 'failed',
        failureReason: reason,
        updatedAt: new Date(now).toISOString(),
        stPk: statusKey(ref.tenantId, 'failed'),
        stSk: ref.id,
        expiresAt: this.table.expiresAt(now),
      },
      ['nextAttemptAt', 'sweepPk', 'sweepAt'],
      [
        '#count = if_not_exists(#count, :zero)',
        '#off = if_not_exists(#off, :off)',
        '#round = if_not_exists(#round, :zero)',
      ],
    );
    return this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.delivery(ref.tenantId, ref.endpointId, ref.id),
          UpdateExpression: u.expression,
          ConditionExpression: 'attribute_not_exists(pk) OR #st = :pending',
          ExpressionAttributeNames: {
            ...u.names,
            '#st': 'status',
            '#count': 'attemptCount',
            '#off': 'attemptOffset',
            '#round': 'round',
          },
          ExpressionAttributeValues: {
            ...u.values,
            ':pending': 'pending',
            ':zero': 0,
            ':off': attemptOffset,
          },
        }),
      ),
    );
  }

  async recoverDelivery(tenantId: string, deliveryId: string, at: number, sweepAt: number) {
    const key = this.key(tenantId, deliveryId);
    if (!key) return undefined;
    try {
      const out = await callAws('dynamodb', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: key,
            UpdateExpression:
              'SET #st = :pending, attemptOffset = attemptCount, nextAttemptAt = :at, sweepPk = :shard, ' +
              'sweepAt = :sweep, stPk = :stPk, stSk = :id, updatedAt = :u, expiresAt = :exp, ' +
              '#round = if_not_exists(#round, :zero) + :one REMOVE failureReason',
            ConditionExpression: '#st IN (:failed, :held)',
            ExpressionAttributeNames: { '#st': 'status', '#round': 'round' },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':failed': 'failed',
              ':held': 'held',
              ':at': at,
              ':shard': sweepShard(deliveryId),
              ':sweep': sweepAt,
              ':stPk': statusKey(tenantId, 'pending'),
              ':id': deliveryId,
              ':u': new Date(at).toISOString(),
              ':exp': this.table.expiresAt(at),
              ':zero': 0,
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return out.Attributes
        ? { ...summaryOf(out.Attributes), round: out.Attributes.round as number }
        : undefined;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  async getDelivery(tenantId: string, deliveryId: string): Promise<Delivery | undefined> {
    const key = this.key(tenantId, deliveryId);
    if (!key) return undefined;
    const [out, attempts] = await Promise.all([
      callAws('dynamodb', () =>
        this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true })),
      ),
      this.laterAttempts(key.pk, deliveryId),
    ]);
    if (!out.Item || this.table.expired(out.Item)) return undefined;
    const { lastAttempt: _last, ...summary } = summaryOf(out.Item);
    const first = inlineAttempt(out.Item.a1);
    return { ...summary, attempts: [...(first ? [first] : []), ...attempts] };
  }

  private async laterAttempts(pk: string, deliveryId: string): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    let start: Item | undefined;
    do {
      const out = await callAws('dynamodb', () =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.name,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
            ExpressionAttributeValues: { ':pk': pk, ':at': `AT#${deliveryId}#` },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) attempts.push(strip<Attempt>(item)!);
      start = out.LastEvaluatedKey;
    } while (start);
    return attempts;
  }

  async getDeliveries(tenantId: string, deliveryIds: readonly string[]): Promise<DeliverySummary[]> {
    const keyList = deliveryIds.flatMap((id) => {
      const key = this.key(tenantId, id);
      return key ? [key] : [];
    });
    return (await this.table.batchGet(keyList)).map(summaryOf);
  }

  async getDeliveryState(tenantId: string, deliveryId: string): Promise<DeliveryState | undefined> {
    const key = this.key(tenantId, deliveryId);
    if (!key) return undefined;
    const out = await callAws('dynamodb', () =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: '#st, attemptCount, nextAttemptAt, attemptOffset, updatedAt, expiresAt',
          ExpressionAttributeNames: { '#st': 'status' },
        }),
      ),
    );
    if (!out.Item || this.table.expired(out.Item)) return undefined;
    const { expiresAt: _expiresAt, ...state } = out.Item;
    return state as DeliveryState;
  }

  listDeliveries(query: DeliveryQuery): Promise<Page<DeliverySummary>> {
    return listDeliveries(this.table, query);
  }

  async rescheduleSweep(tenantId: string, deliveryId: string, expected: number, next: number) {
    const key = this.key(tenantId, deliveryId);
    if (!key) return false;
    return this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: 'SET sweepAt = :next',
          ConditionExpression: 'sweepAt = :expected AND #st = :pending',
          ExpressionAttributeNames: { '#st': 'status' },
          ExpressionAttributeValues: { ':next': next, ':expected': expected, ':pending': 'pending' },
        }),
      ),
    );
  }
}
