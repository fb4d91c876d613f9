import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliverySummary } from '../../domain/model';
import type { Sweepable } from '../../domain/ports';
import { callAws } from '../aws-errors';
import { toEvent } from './events';
import { type Item, SWEEP_SHARDS, strip, type Table } from './table';

function toSweepable(item: Item): Sweepable | undefined {
  const sweepAt = typeof item.sweepAt === 'number' ? item.sweepAt : 0;
  if (item.kind === 'delivery' && item.status === 'pending') {
    const { round, ...rest } = strip<DeliverySummary & { round?: number }>(item)!;
    return { kind: 'delivery', delivery: { ...rest, round: round ?? 0 }, sweepAt };
  }
  if (item.kind === 'event') return { kind: 'event', event: toEvent(item), sweepAt };
  return undefined;
}

/**
 * What the sweeper should look at: items of the sparse `sweep` index due by `now` (deliveries waiting for
 * a retry, events marked unsent), read back by key. With `everything`, a scan of every pending delivery and
 * every event instead: the local runtime's queues are in memory, so at its start nothing is queued.
 */
export async function sweepable(
  table: Table,
  now: number,
  limit: number,
  everything: boolean,
): Promise<Sweepable[]> {
  if (everything) return scanAll(table);
  const found: Item[] = [];
  for (let shard = 0; shard < SWEEP_SHARDS && found.length < limit; shard++) {
    let start: Item | undefined;
    do {
      const out = await callAws('dynamodb', () =>
        table.doc.send(
          new QueryCommand({
            TableName: table.name,
            IndexName: 'sweep',
            KeyConditionExpression: 'sweepPk = :p AND sweepAt <= :now',
            ExpressionAttributeValues: { ':p': `SWEEP#${shard}`, ':now': now },
            Limit: Math.min(1000, limit - found.length),
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) found.push({ pk: item.pk, sk: item.sk });
      start = out.LastEvaluatedKey;
    } while (start && found.length < limit);
  }
  // The index is eventually consistent and keys-only: read the items, act only on those still sweepable.
  return (await table.batchGet(found))
    .filter((i) => i.kind !== 'event' || i.unsent === true)
    .flatMap((i) => toSweepable(i) ?? []);
}

async function scanAll(table: Table): Promise<Sweepable[]> {
  const out: Sweepable[] = [];
  let start: Item | undefined;
  do {
    const page = await callAws('dynamodb', () =>
      table.doc.send(
        new ScanCommand({
          TableName: table.name,
          FilterExpression: '(kind = :ev) OR (kind = :dl AND #st = :pending)',
          ExpressionAttributeNames: { '#st': 'status' },
          ExpressionAttributeValues: { ':ev': 'event', ':dl': 'delivery', ':pending': 'pending' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      if (table.expired(item)) continue;
      const s = toSweepable(item);
      if (s) out.push(s);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
