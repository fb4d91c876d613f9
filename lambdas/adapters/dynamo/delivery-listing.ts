import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors';
import { deliveryIdFloor } from '../../domain/ids';
import type { Delivery, DeliverySummary } from '../../domain/model';
import type { DeliveryQuery, Page } from '../../domain/ports';
import { callAws } from '../aws-errors';
import { decodeCursor, encodeCursor, type Item, keys, strip, type Table } from './table';

/** Partition key of the sparse `status` index: a tenant's deliveries that are pending or failed. */
export const statusKey = (tenantId: string, status: string) => `${tenantId}#${status}`;

export function summaryOf(item: Item): DeliverySummary {
  const last = item.last as DeliverySummary['lastAttempt'] | undefined;
  const { round: _round, ...rest } = strip<Delivery & { round?: number }>(item)!;
  return { ...rest, ...(last ? { lastAttempt: last } : {}) };
}

/**
 * The deliveries log: an endpoint's records from its own partition, or a tenant's pending or failed
 * deliveries from the sparse `status` index; newest first.
 */
export async function listDeliveries(table: Table, query: DeliveryQuery): Promise<Page<DeliverySummary>> {
  const from = query.since !== undefined ? deliveryIdFloor(query.since) : 'dlv_';
  if (query.endpointId !== undefined) return listForEndpoint(table, query, query.endpointId, from);
  if (query.status !== 'pending' && query.status !== 'failed') {
    throw ValidationError.of(
      'status',
      'without endpointId or eventId, list deliveries by status pending or failed',
    );
  }
  const pk = statusKey(query.tenantId, query.status);
  const out = await callAws('dynamodb', () =>
    table.doc.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: 'status',
        KeyConditionExpression: 'stPk = :pk AND stSk >= :from',
        ExpressionAttributeValues: { ':pk': pk, ':from': from },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor, {
          partition: { stPk: pk },
          keys: ['stPk', 'stSk', 'pk', 'sk'],
          sortPrefix: { stSk: 'dlv_', pk: 'EP#', sk: 'DL#' },
        }),
      }),
    ),
  );
  // The index is keys-only and eventually consistent: read the items, keep those still in that status.
  const found = (out.Items ?? []).map((i) => ({ pk: i.pk, sk: i.sk }));
  const byKey = new Map((await table.batchGet(found)).map((i) => [`${i.pk}/${i.sk}`, i]));
  const items = found
    .map((k) => byKey.get(`${k.pk}/${k.sk}`))
    .filter((i): i is Item => i !== undefined && i.status === query.status)
    .map(summaryOf);
  const cursor = encodeCursor(out.LastEvaluatedKey);
  return { items, ...(cursor ? { cursor } : {}) };
}

async function listForEndpoint(table: Table, query: DeliveryQuery, endpointId: string, from: string) {
  const pk = keys.endpointPartition(query.tenantId, endpointId);
  const out = await callAws('dynamodb', () =>
    table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':from': `DL#${from}`,
          ':to': 'DL#~',
          ':now': Math.floor(table.now() / 1000),
          ...(query.status ? { ':status': query.status } : {}),
        },
        FilterExpression: `expiresAt > :now${query.status ? ' AND #st = :status' : ''}`,
        ...(query.status ? { ExpressionAttributeNames: { '#st': 'status' } } : {}),
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor, {
          partition: { pk },
          keys: ['pk', 'sk'],
          sortPrefix: { sk: 'DL#dlv_' },
        }),
      }),
    ),
  );
  const cursor = encodeCursor(out.LastEvaluatedKey);
  return { items: (out.Items ?? []).map(summaryOf), ...(cursor ? { cursor } : {}) };
}
