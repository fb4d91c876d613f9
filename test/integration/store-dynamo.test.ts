/**
 * The store contract (test/contract) against the DynamoDB adapter on the run's DynamoDB Local, one fresh
 * table per test (created from the stack's definition, lib/resources.ts), the adapter on the test's clock.
 * Item sizes are measured by scanning the table and sizing each item as DynamoDB does (bench/capacity.ts).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { itemSize } from '../../bench/capacity';
import { keys } from '../../lambdas/adapters/dynamo/table';
import { createDynamoStore } from '../../lambdas/adapters/dynamo-store';
import { newDelivery } from '../../lambdas/domain/model';
import { WEBHOOK_TABLE } from '../../lib/resources';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators';
import { createTable } from '../../local/provision';
import { type ItemSize, storeContract } from '../contract/store.contract';

const client = new DynamoDBClient({
  endpoint: inject('dynamoEndpoint'),
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
afterAll(() => client.destroy());

describe('the stack table', () => {
  it('has the status index the adapter queries for pending and failed deliveries', () => {
    expect(WEBHOOK_TABLE.globalIndexes.map((i) => i.indexName)).toContain('status');
  });
});

async function itemSizes(tableName: string): Promise<ItemSize[]> {
  const sizes: ItemSize[] = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) {
      sizes.push({ kind: item.kind?.S ?? 'other', bytes: itemSize(item as Record<string, unknown>) });
    }
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return sizes;
}

storeContract('DynamoDB adapter on DynamoDB Local', async (clock) => {
  const tableName = `contract-${randomBytes(4).toString('hex')}`;
  // No TTL: the contract's clock is in 2025, so every item is long expired in real time, and DynamoDB
  // Local's TTL would delete them at random moments mid-test (reads check expiry against the fake clock).
  await createTable(client, tableName, WEBHOOK_TABLE, { ttl: false });
  return {
    store: createDynamoStore({ client, tableName, retentionDays: 30, clock }),
    itemSizes: () => itemSizes(tableName),
  };
});

describe('the first attempt inline', () => {
  it('is one JSON string, and a record holding it as a map (written before) still reads back', async () => {
    const tableName = `inline-${randomBytes(4).toString('hex')}`;
    await createTable(client, tableName);
    const store = createDynamoStore({ client, tableName, retentionDays: 30 });
    const now = Date.now();
    const ref = newDelivery(
      { tenantId: 't_1', eventId: 'evt_1', eventType: 'order.created', endpointId: 'ep_1' },
      now,
    );
    const attempt = {
      number: 1,
      startedAt: new Date(now).toISOString(),
      durationMs: 12,
      requestHeaders: { 'Content-Type': 'application/json' },
      responseStatus: 200,
      responseBody: 'ok',
    };
    expect(await store.recordAttempt(ref, { attempt, status: 'succeeded', attemptOffset: 0 })).toBe(true);
    const key = keys.delivery('t_1', 'ep_1', ref.id);
    const raw = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
    );
    expect(JSON.parse(raw.Item?.a1?.S ?? 'null')).toEqual(attempt);
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET a1 = :a',
        ExpressionAttributeValues: { ':a': attempt },
      }),
    );
    expect((await store.getDelivery('t_1', ref.id))?.attempts).toEqual([attempt]);
  });
});

describe('the first outcome of a delivery that has a record', () => {
  it('skips the create-only put when the message says `recorded`, and finds out by a refused put when not', async () => {
    const tableName = `recorded-${randomBytes(4).toString('hex')}`;
    await createTable(client, tableName);
    const writer = new DynamoDBClient({
      endpoint: inject('dynamoEndpoint'),
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const puts: string[] = [];
    writer.middlewareStack.add(
      (next, context) => async (args) => {
        puts.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countWrites' },
    );
    const store = createDynamoStore({ client, writer, tableName, retentionDays: 30 });
    const now = Date.now();
    const replay = (n: number) =>
      newDelivery(
        {
          tenantId: 't_1',
          eventId: `evt_${n}`,
          eventType: 'order.created',
          endpointId: 'ep_1',
          replayOf: 'dlv_x',
        },
        now,
      );
    const attempt = { number: 1, startedAt: new Date(now).toISOString(), durationMs: 5, responseStatus: 200 };
    const hinted = replay(1);
    await store.createDelivery(hinted, now + 60_000);
    expect(
      await store.recordAttempt(hinted, { attempt, status: 'succeeded', attemptOffset: 0, recorded: true }),
    ).toBe(true);
    expect(puts).toEqual([]);
    const unhinted = replay(2);
    await store.createDelivery(unhinted, now + 60_000);
    expect(await store.recordAttempt(unhinted, { attempt, status: 'succeeded', attemptOffset: 0 })).toBe(
      true,
    );
    expect(puts).toEqual(['PutItemCommand']);
    expect((await store.getDelivery('t_1', hinted.id))?.status).toBe('succeeded');
    expect((await store.getDelivery('t_1', unhinted.id))?.status).toBe('succeeded');
    writer.destroy();
  });
});
