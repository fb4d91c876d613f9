import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Endpoint } from '../../domain/model';
import type { EndpointStore, Page } from '../../domain/ports';
import { callAws } from '../aws-errors';
import { decodeCursor, encodeCursor, type Item, keys, strip, type Table } from './table';

/** Endpoints in their tenant's partition, with the tenant's endpoint count beside them (`META`). */
export class DynamoEndpoints implements EndpointStore {
  constructor(private readonly table: Table) {}

  private item(endpoint: Endpoint): Item {
    return { ...keys.endpoint(endpoint.tenantId, endpoint.id), kind: 'endpoint', ...endpoint };
  }

  async createEndpoint(endpoint: Endpoint, maxPerTenant: number): Promise<'created' | 'limit_reached'> {
    const { doc, name } = this.table;
    try {
      // The count and the endpoint in one transaction: concurrent creates cannot pass the cap.
      await callAws('dynamodb', () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: name,
                  Key: keys.tenantMeta(endpoint.tenantId),
                  UpdateExpression: 'SET endpointCount = if_not_exists(endpointCount, :zero) + :one',
                  ConditionExpression: 'attribute_not_exists(endpointCount) OR endpointCount < :max',
                  ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': maxPerTenant },
                },
              },
              {
                Put: {
                  TableName: name,
                  Item: this.item(endpoint),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return 'limit_reached';
      throw error;
    }
  }

  async getEndpoint(tenantId: string, endpointId: string, options: { consistent?: boolean } = {}) {
    const out = await callAws('dynamodb', () =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: keys.endpoint(tenantId, endpointId),
          ConsistentRead: options.consistent ?? true,
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
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.name,
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
    return this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: this.item(endpoint),
          ConditionExpression: 'attribute_exists(pk) AND updatedAt = :prev',
          ExpressionAttributeValues: { ':prev': expectedUpdatedAt },
        }),
      ),
    );
  }

  async deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    try {
      await callAws('dynamodb', () =>
        this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.table.name,
                  Key: keys.endpoint(tenantId, endpointId),
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: this.table.name,
                  Key: keys.tenantMeta(tenantId),
                  UpdateExpression: 'SET endpointCount = endpointCount - :one',
                  ConditionExpression: 'endpointCount > :zero',
                  ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
                },
              },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [endpoint, meta] = error.CancellationReasons ?? [];
      if (endpoint?.Code === 'ConditionalCheckFailed') return false;
      // No count to decrement (an endpoint written before the count existed): delete it alone.
      if (meta?.Code === 'ConditionalCheckFailed') return this.deleteUncounted(tenantId, endpointId);
      throw error;
    }
  }

  private async deleteUncounted(tenantId: string, endpointId: string): Promise<boolean> {
    return this.table.ifConditionHolds(() =>
      this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
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
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
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
}
