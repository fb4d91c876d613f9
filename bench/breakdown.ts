/**
 * `npx tsx bench/breakdown.ts [--n=3000] [--doc]`: where a delivery's CPU goes, piece by piece, in this
 * process: the real ingest and delivery handlers over in-memory fakes (our own code: validation, fan-out,
 * envelope, compression, signing, the attempt rule; no I/O), and one AWS SDK request (the same client
 * set-up as the service: a document client for DynamoDB, SQS with cached middleware) against the
 * emulators. DynamoDB Local's own CPU per request is `bench/dynamo-ops.ts`. Together they account for the
 * CPU per delivery the bench measures (docs/performance.md, "Where the remaining time goes").
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { makeDeliveryHandler } from '../lambdas/delivery/handler';
import { makeIngestHandler } from '../lambdas/ingest/handler';
import { createLog } from '../lambdas/observability';
import { buildClients } from '../lambdas/service';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamo, startSqs } from '../local/emulators';
import { createTable } from '../local/provision';
import { fakeService } from '../test/support/fake-service';
import { endpointFixture, fifoRecord } from '../test/support/fixtures';
import { writeIntoDoc } from './report';
import { EVENT_TYPE, eventData } from './scenarios';
import { round } from './stats';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const cpuMs = (f: NodeJS.CpuUsage) => (f.user + f.system) / 1000;

/** Mean CPU ms per call of `run`, after `warm` untimed calls; the lower of two rounds. */
async function perCall(n: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 2; r++) {
    for (let i = 0; i < Math.min(500, n); i++) await run(-1 - i);
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) await run(r * n + i);
    best = Math.min(best, cpuMs(process.cpuUsage(before)) / n);
  }
  return round(best, 3);
}

async function handlers(n: number): Promise<[string, number][]> {
  const service = fakeService({ settings: { endpointCacheTtlMs: 5000 } });
  const svc = { ...service, log: createLog('bench', 'silent') };
  service.store.seed({
    endpoints: [
      endpointFixture({ id: 'ep_1', tenantId: 't_1', events: ['*'], url: 'https://example.com/h' }),
    ],
  });
  const ingest = makeIngestHandler(svc);
  const deliver = makeDeliveryHandler(svc);
  const context = { getRemainingTimeInMillis: () => 60_000 };
  const publish = (i: number) =>
    ingest(
      {
        resource: '/v1/events',
        path: '/v1/events',
        httpMethod: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: 't_1', type: EVENT_TYPE, data: eventData(Math.abs(i)) }),
        isBase64Encoded: false,
      } as never,
      context as never,
    );
  const ingestMs = await perCall(n, publish);
  const messages = service.queues.enqueued.splice(0);
  let next = 0;
  const deliveryMs = await perCall(Math.floor(messages.length / 3), async (i) => {
    const m = messages[next++ % messages.length]!;
    const event: SQSEvent = {
      Records: [fifoRecord({ messageId: `m${i}_${next}`, groupId: 'ep_1', body: JSON.stringify(m) })],
    };
    await deliver(event, context as never);
  });
  return [
    ['ingest handler, our code only (fakes: no I/O)', ingestMs],
    ['delivery handler, our code only (fakes: no I/O; the POST not counted)', deliveryMs],
  ];
}

async function sdkRequests(n: number): Promise<[string, number][]> {
  const dynamo = await startDynamo();
  const sqsHandle = await startSqs();
  try {
    // The service's own client set-up (cached SQS middleware, no SDK logger), credentials from the
    // environment as the local runtime gives them.
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
    const { dynamo: client, sqs } = buildClients({
      region: LOCAL_REGION,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: sqsHandle.endpoint,
    });
    const doc = DynamoDBDocumentClient.from(client);
    const cached = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamo.endpoint,
      credentials: LOCAL_CREDENTIALS,
      cacheMiddleware: true,
    });
    cached.middlewareStack.remove('loggerMiddleware');
    const TableName = 'breakdown';
    await createTable(client, TableName);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'breakdown.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const body = JSON.stringify(eventData(1));
    const rows: [string, number][] = [
      [
        'DynamoDB PutItem through the document client (1 KB item)',
        await perCall(n, (i) =>
          doc.send(new PutCommand({ TableName, Item: { pk: `p${i}`, sk: 'EV', body } })),
        ),
      ],
      [
        'DynamoDB PutItem, plain client (same item, marshalled by util-dynamodb)',
        await perCall(n, (i) =>
          client.send(new PutItemCommand({ TableName, Item: marshall({ pk: `p${i}`, sk: 'EV', body }) })),
        ),
      ],
      [
        'DynamoDB PutItem, plain client with cacheMiddleware (how the hot path sends its two puts)',
        await perCall(n, (i) =>
          cached.send(new PutItemCommand({ TableName, Item: marshall({ pk: `p${i}`, sk: 'EV', body }) })),
        ),
      ],
      [
        'DynamoDB GetItem through the document client',
        await perCall(n, (i) => doc.send(new GetCommand({ TableName, Key: { pk: `p${i}`, sk: 'EV' } }))),
      ],
      [
        'DynamoDB Query through the document client (one item)',
        await perCall(n, (i) =>
          doc.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :p',
              ExpressionAttributeValues: { ':p': `p${Math.abs(i)}` },
              ConsistentRead: true,
            }),
          ),
        ),
      ],
      [
        'SQS SendMessageBatch (one 1 KB message; fauxqs runs in this process, so its work is included)',
        await perCall(n, (i) =>
          sqs.send(
            new SendMessageBatchCommand({
              QueueUrl,
              Entries: [{ Id: '0', MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: `d${i}` }],
            }),
          ),
        ),
      ],
    ];
    client.destroy();
    cached.destroy();
    sqs.destroy();
    return rows;
  } finally {
    await sqsHandle.stop();
    await dynamo.stop();
  }
}

async function main() {
  const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 3000);
  const rows = [...(await handlers(n)), ...(await sdkRequests(Math.ceil(n / 3)))];
  const markdown = [
    `Measured ${new Date().toISOString()}: this process's CPU per call (mean of ${n} handler calls or ${Math.ceil(n / 3)} requests after a warm-up, lower of 2 rounds; the SDK figure includes the emulator's answer being parsed, not the emulator's own work).`,
    '',
    '| piece | node CPU ms per call |',
    '| --- | --- |',
    ...rows.map(([name, ms]) => `| ${name} | ${ms} |`),
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (process.argv.includes('--doc')) {
    const doc = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
    if (!writeIntoDoc(doc, 'breakdown', markdown))
      process.stderr.write('docs/performance.md has no <!-- breakdown --> block\n');
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
