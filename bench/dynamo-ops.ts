/**
 * `npx tsx bench/dynamo-ops.ts [--n=300] [--rounds=3] [--doc]`: what each DynamoDB request of the happy path costs, one
 * request at a time: DynamoDB Local's CPU (the JVM, from /proc), this process's CPU, wall time, and the
 * read and write units (bench/capacity.ts). For the table as the stack defines it, for cheaper index
 * layouts, and for the baseline's two requests. Evidence for the suggestions in docs/performance.md.
 *
 * The hot-path requests go through the service's own adapter (lambdas/adapters/dynamo-store.ts).
 */

import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createDynamoStore } from '../lambdas/adapters/dynamo-store';
import { serializeEnvelope } from '../lambdas/domain/envelope';
import { newId } from '../lambdas/domain/ids';
import { type Delivery, type Endpoint, newDelivery, type StoredEvent } from '../lambdas/domain/model';
import { WEBHOOK_TABLE } from '../lib/resources';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamo } from '../local/emulators';
import type { IndexKeys } from './capacity';
import { OpCounter } from './counting';
import { writeIntoDoc } from './report';
import { cpuSample, EVENT_TYPE, eventData } from './scenarios';
import { round } from './stats';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Layout {
  readonly name: string;
  /** GSIs to create, by name, with their projection; the items keep every attribute either way. */
  readonly indexes: readonly IndexKeys[];
}

const stackIndexes: IndexKeys[] = WEBHOOK_TABLE.globalIndexes.map((i) => ({
  name: i.indexName,
  partitionKey: i.partitionKey.name,
  sortKey: i.sortKey.name,
  projection: (i as { projection?: 'ALL' | 'KEYS_ONLY' }).projection ?? 'ALL',
}));
const describe = (indexes: readonly IndexKeys[]) =>
  indexes.map((i) => `${i.name} ${i.projection ?? 'ALL'}`).join(', ') || 'no index';

const LAYOUTS: Layout[] = [
  { name: `as lib/resources.ts defines it (${describe(stackIndexes)})`, indexes: stackIndexes },
  ...[
    stackIndexes.map((i) => ({ ...i, projection: 'ALL' as const })),
    stackIndexes.map((i) => ({ ...i, projection: 'KEYS_ONLY' as const })),
  ]
    .filter((indexes) => describe(indexes) !== describe(stackIndexes))
    .map((indexes) => ({ name: describe(indexes), indexes })),
  // What the indexes themselves cost DynamoDB Local, on the same requests.
  { name: 'no index (same requests)', indexes: [] },
];

async function createTable(client: DynamoDBClient, table: string, indexes: readonly IndexKeys[]) {
  const attributes = new Map<string, 'S' | 'N'>([
    ['pk', 'S'],
    ['sk', 'S'],
  ]);
  for (const i of indexes) {
    const def = WEBHOOK_TABLE.globalIndexes.find((g) => g.indexName === i.name)!;
    attributes.set(def.partitionKey.name, def.partitionKey.type);
    attributes.set(def.sortKey.name, def.sortKey.type);
  }
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ...(indexes.length
        ? {
            GlobalSecondaryIndexes: indexes.map((i) => ({
              IndexName: i.name,
              KeySchema: [
                { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
                { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: i.projection ?? 'ALL' },
            })),
          }
        : {}),
    }),
  );
}

interface OpFigures {
  readonly op: string;
  readonly javaCpuMs: number;
  readonly nodeCpuMs: number;
  readonly wallMs: number;
  readonly readUnits: number;
  readonly writeUnits: number;
}

async function measure(
  op: string,
  n: number,
  javaPid: number | undefined,
  counter: OpCounter,
  run: (i: number) => Promise<void>,
): Promise<OpFigures> {
  counter.reset();
  const before = cpuSample(javaPid);
  const started = performance.now();
  for (let i = 0; i < n; i++) await run(i);
  const wall = performance.now() - started;
  const after = cpuSample(javaPid);
  const t = counter.totals();
  return {
    op,
    javaCpuMs: round((after.java - before.java) / n, 2),
    nodeCpuMs: round((after.node - before.node) / n, 2),
    wallMs: round(wall / n, 2),
    readUnits: round(t.readUnits / n, 2),
    writeUnits: round(t.writeUnits / n, 2),
  };
}

function makeEndpoint(tenantId: string, now: number): Endpoint {
  const at = new Date(now).toISOString();
  return {
    id: newId('ep', now),
    tenantId,
    url: 'https://hooks.example.com/webhooks/orders',
    events: ['*'],
    description: 'POS sync',
    status: 'enabled',
    ordering: 'sequential',
    secrets: [{ secret: `whsec_${'A'.repeat(43)}=` }],
    createdAt: at,
    updatedAt: at,
  };
}

const newClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

async function hotPath(
  endpoint: string,
  table: string,
  layout: Layout,
  n: number,
  javaPid: number | undefined,
): Promise<OpFigures[]> {
  // A client of its own: each counter adds its middleware once.
  const client = newClient(endpoint);
  await createTable(client, table, layout.indexes);
  const counter = new OpCounter({ capacity: true, indexes: layout.indexes });
  counter.attach(client as never, 'dynamodb');
  const store = createDynamoStore({ client, tableName: table, retentionDays: 30 });
  const now = Date.now();
  const ep = makeEndpoint('ops-tenant', now);
  await store.createEndpoint(ep, 500);
  const created: { event: StoredEvent; delivery: Delivery }[] = [];
  for (let i = 0; i < n; i++) {
    const eventId = newId('evt', now);
    const at = new Date(now).toISOString();
    const delivery = newDelivery(
      { tenantId: ep.tenantId, eventId, eventType: EVENT_TYPE, endpointId: ep.id },
      now,
    );
    const event: StoredEvent = {
      id: eventId,
      tenantId: ep.tenantId,
      type: EVENT_TYPE,
      body: serializeEnvelope({ id: eventId, type: EVENT_TYPE, createdAt: at, data: eventData(i) }),
      createdAt: at,
      deliveries: [{ id: delivery.id, endpointId: ep.id }],
    };
    created.push({ event, delivery });
  }
  const attempt = {
    number: 1,
    startedAt: new Date(now).toISOString(),
    durationMs: 12,
    requestHeaders: {
      'Content-Type': 'application/json',
      'YumKiosk-Event': EVENT_TYPE,
      'User-Agent': 'YumKiosk-Webhook/1.0',
      'YumKiosk-Signature': 't=1763912655,v1=…',
      'YumKiosk-Delivery': created[0]!.delivery.id,
    },
    responseStatus: 200,
    responseBody: 'ok',
  };
  const figures = [
    await measure('ingest: Query endpoints (consistent)', n, javaPid, counter, async () => {
      await store.listTenantEndpoints(ep.tenantId);
    }),
    await measure('ingest: PutItem event (conditional; body compressed)', n, javaPid, counter, async (i) => {
      await store.putEvent(created[i]!.event);
    }),
    await measure(
      'delivery, cache miss: GetItem endpoint (eventually consistent)',
      n,
      javaPid,
      counter,
      async () => {
        await store.getEndpoint(ep.tenantId, ep.id, { consistent: false });
      },
    ),
    await measure(
      'delivery: first outcome: conditional PutItem of the record',
      n,
      javaPid,
      counter,
      async (i) => {
        await store.recordAttempt(created[i]!.delivery, { attempt, status: 'succeeded', attemptOffset: 0 });
      },
    ),
  ];
  client.destroy();
  return figures;
}

async function baselineOps(
  endpoint: string,
  table: string,
  n: number,
  javaPid: number | undefined,
): Promise<OpFigures[]> {
  const client = newClient(endpoint);
  await createTable(client, table, []);
  const counter = new OpCounter({ capacity: true, indexes: [] });
  counter.attach(client as never, 'dynamodb');
  const body = JSON.stringify({
    id: 'evt_x',
    event: EVENT_TYPE,
    created_at: new Date().toISOString(),
    data: eventData(1),
  });
  const figures = [
    await measure('baseline: PutItem event', n, javaPid, counter, async (i) => {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: `EV#${i}` }, sk: { S: 'EV' }, body: { S: body }, status: { S: 'pending' } },
        }),
      );
    }),
    await measure('baseline: UpdateItem record (upsert)', n, javaPid, counter, async (i) => {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: `DL#${i}` }, sk: { S: 'DL' } },
          UpdateExpression: 'SET #s = :s, attempts = :n',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'succeeded' }, ':n': { N: '1' } },
        }),
      );
    }),
  ];
  client.destroy();
  return figures;
}

async function main() {
  const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 300);
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
  const dynamo = await startDynamo();
  try {
    // Warm the JVM and this process, then measure every layout in turn, several rounds; keep each
    // request's lowest figures (the least disturbed by anything else running on the machine).
    await hotPath(dynamo.endpoint, 'ops-warm', LAYOUTS[0]!, Math.min(n, 300), dynamo.pid);
    const best = new Map<string, OpFigures>();
    const keep = (key: string, f: OpFigures) => {
      const b = best.get(key);
      best.set(
        key,
        b
          ? {
              ...f,
              javaCpuMs: Math.min(b.javaCpuMs, f.javaCpuMs),
              nodeCpuMs: Math.min(b.nodeCpuMs, f.nodeCpuMs),
              wallMs: Math.min(b.wallMs, f.wallMs),
            }
          : f,
      );
    };
    for (let round = 0; round < rounds; round++) {
      for (const [i, layout] of LAYOUTS.entries()) {
        for (const f of await hotPath(dynamo.endpoint, `ops-${round}-${i}`, layout, n, dynamo.pid))
          keep(`${layout.name}\u0000${f.op}`, f);
      }
      for (const f of await baselineOps(dynamo.endpoint, `ops-${round}-baseline`, n, dynamo.pid))
        keep(`no index\u0000${f.op}`, f);
    }
    const lines: string[] = [];
    lines.push(
      '| layout | request | DynamoDB Local CPU ms | node CPU ms | wall ms | read units | write units |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [key, f] of best) {
      const layout = key.split('\u0000')[0];
      lines.push(
        `| ${layout} | ${f.op} | ${f.javaCpuMs} | ${f.nodeCpuMs} | ${f.wallMs} | ${f.readUnits} | ${f.writeUnits} |`,
      );
    }
    const markdown = `Measured ${new Date().toISOString()}: mean of ${n} requests one at a time, lowest of ${rounds} rounds.\n\n${lines.join('\n')}`;
    process.stdout.write(`${markdown}\n`);
    if (process.argv.includes('--doc')) {
      const doc = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
      if (!writeIntoDoc(doc, 'ops', markdown))
        process.stderr.write('docs/performance.md has no <!-- ops --> block\n');
    }
  } finally {
    await dynamo.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
