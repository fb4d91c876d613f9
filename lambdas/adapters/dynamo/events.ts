import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../../domain/model';
import type { EventStore } from '../../domain/ports';
import { callAws } from '../aws-errors';
import { type Item, keys, strip, sweepShard, type Table } from './table';

/**
 * A body is stored compressed (raw DEFLATE, `bodyZ`) when that saves at least this many bytes: write units
 * are billed per started KB, so a typical 1 to 2 KB JSON envelope then costs one unit less.
 */
const COMPRESSION_MIN_SAVING = 64;

/** Events, one item each, keyed by tenant and event id (the key is the idempotency check). */
export class DynamoEvents implements EventStore {
  constructor(private readonly table: Table) {}

  async putEvent(event: StoredEvent): Promise<'created' | 'exists'> {
    const { body, ...rest } = event;
    const raw = Buffer.from(body, 'utf8');
    const packed = deflateRawSync(raw);
    const bodyAttr = packed.length + COMPRESSION_MIN_SAVING <= raw.length ? { bodyZ: packed } : { body };
    const item: Item = {
      ...keys.event(event.tenantId, event.id),
      kind: 'event',
      ...rest,
      ...bodyAttr,
      expiresAt: this.table.expiresAt(Date.parse(event.createdAt)),
    };
    const written = await this.table.putIfAbsent(item);
    return written ? 'created' : 'exists';
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    const out = await callAws('dynamodb', () =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: keys.event(tenantId, eventId),
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item || this.table.expired(out.Item)) return undefined;
    return toEvent(out.Item);
  }

  async markUnsent(tenantId: string, eventId: string, sweepAt: number): Promise<void> {
    await this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.event(tenantId, eventId),
          UpdateExpression: 'SET unsent = :t, sweepPk = :shard, sweepAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true, ':shard': sweepShard(eventId), ':at': sweepAt },
        }),
      ),
    );
  }

  async clearUnsent(tenantId: string, eventId: string): Promise<void> {
    await this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.event(tenantId, eventId),
          UpdateExpression: 'REMOVE unsent, sweepPk, sweepAt',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async retainEvent(
    tenantId: string,
    eventId: string,
    until: number,
    replay?: { readonly id: string; readonly endpointId: string },
  ): Promise<void> {
    const update = (expression: string, condition: string, values: Item) =>
      this.table.ifConditionHolds(() =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: keys.event(tenantId, eventId),
            UpdateExpression: expression,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    if (replay) {
      await update('SET replays = list_append(if_not_exists(replays, :none), :r)', 'attribute_exists(pk)', {
        ':none': [],
        ':r': [replay],
      });
    }
    // Never shortened.
    await update('SET expiresAt = :at', 'attribute_exists(pk) AND expiresAt < :at', {
      ':at': Math.floor(until / 1000),
    });
  }
}

/** The event record from its item: the body inflated if it was stored compressed. */
export function toEvent(item: Item): StoredEvent {
  const event = strip<StoredEvent>(item)!;
  const body =
    item.bodyZ instanceof Uint8Array ? inflateRawSync(item.bodyZ).toString('utf8') : (item.body as string);
  return { ...event, body };
}
