/**
 * The baseline: the least a system of this architecture must do per delivery, against the same kind of
 * emulators and the same receiver, with the same concurrency, and nothing else.
 *
 * - ingest: a bare node:http server (API Gateway -> Lambda is an HTTP hop too) that parses the body,
 *   stores the event with one PutItem and enqueues it with one SendMessageBatch (FIFO, group = endpoint).
 *   The endpoint's URL and secret come from memory: no read.
 * - delivery: DELIVERY_CONCURRENCY loops, each ReceiveMessage (10, long poll 1 s), groups of a batch
 *   concurrently and in order within a group, sign (one HMAC), POST on a keep-alive agent, record with
 *   one UpdateItem, DeleteMessageBatch. The message carries everything the POST needs.
 * - retry: a failed attempt goes to a standard queue with DelaySeconds; two loops move due messages back
 *   into the FIFO group (SendMessageBatch + DeleteMessageBatch).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startSqs } from '../local/emulators';
import { averageItemSizes } from './capacity';
import { OpCounter } from './counting';
import type { HttpClient } from './http-client';
import { type CostCase, priceCase, RECEIVER_MS } from './pricing';
import { profiled } from './profile';
import { type BenchReceiver, receiverKey } from './receiver';
import {
  COST_PUBLISH_INTERVAL_MS,
  DELIVERY_CONCURRENCY,
  drive,
  EVENT_TYPE,
  endpointPath,
  eventData,
  type RunFigures,
  type Scenario,
  tenantOf,
} from './scenarios';
import { sleep, waitUntil } from './stats';

interface BaselineMessage {
  /** Event id (the item's key). */
  id: string;
  endpoint: number;
  url: string;
  secret: string;
  attempt: number;
  body: string;
}

let tables = 0;

/** Same socket policy as the service's sender (lambdas/adapters/http-sender.ts): keep-alive, 16 per origin. */
export const BASELINE_SOCKETS_PER_ORIGIN = 16;

export interface BaselineHandle {
  readonly url: string;
  readonly table: string;
  readonly counter: OpCounter;
  /** Wall ms of each ingest request's handling (body read to answer), as a Lambda would be billed. */
  readonly ingestMs: number[];
  /** Each received batch: wall ms from the receive's answer to the delete, and its size. */
  readonly invocations: { ms: number; records: number }[];
  register(tenantId: string, endpoint: number, url: string): void;
  stop(): Promise<void>;
}

export async function startBaseline(options: {
  dynamoEndpoint: string;
  retryDelaySeconds: number;
  deliveryConcurrency?: number;
  /** Compute DynamoDB units (cost runs). */
  capacity?: boolean;
}): Promise<BaselineHandle> {
  const sqsHandle = await startSqs();
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
  const dynamo = new DynamoDBClient({ ...common, endpoint: options.dynamoEndpoint });
  const sqs = new SQSClient({ ...common, endpoint: sqsHandle.endpoint });
  const counter = new OpCounter({ capacity: options.capacity ?? false });
  const ingestMs: number[] = [];
  const invocations: { ms: number; records: number }[] = [];
  counter.attach(dynamo as never, 'dynamodb');
  counter.attach(sqs as never, 'sqs');
  const table = `bench-baseline${++tables}`;
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  const fifoUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: `baseline${tables}.fifo`,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '900' },
      }),
    )
  ).QueueUrl!;
  const retryUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `baseline-retry${tables}` })))
    .QueueUrl!;

  const endpoints = new Map<string, { endpoint: number; url: string; secret: string }[]>();
  let running = true;
  const stopping = new AbortController();

  // --- ingest -----------------------------------------------------------------------------------------
  const ingest: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const started = performance.now();
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          tenantId: string;
          type: string;
          data: unknown;
        };
        const targets = endpoints.get(input.tenantId);
        if (!targets?.length) throw new Error(`no endpoint for ${input.tenantId}`);
        const id = `evt_${randomBytes(13).toString('hex')}`;
        const body = JSON.stringify({
          id,
          event: input.type,
          created_at: new Date().toISOString(),
          data: input.data,
        });
        await dynamo.send(
          new PutItemCommand({
            TableName: table,
            Item: { pk: { S: `EV#${id}` }, sk: { S: 'EV' }, body: { S: body }, status: { S: 'pending' } },
          }),
        );
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: fifoUrl,
            Entries: targets.map((target, i) => {
              const message: BaselineMessage = { id, ...target, attempt: 1, body };
              return {
                Id: String(i),
                MessageBody: JSON.stringify(message),
                MessageGroupId: String(target.endpoint),
                MessageDeduplicationId: `${id}-${target.endpoint}-1`,
              };
            }),
          }),
        );
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id }));
        ingestMs.push(performance.now() - started);
      } catch (error) {
        res.writeHead(500);
        res.end(String(error));
      }
    });
  });
  ingest.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', () => resolve()));
  const address = ingest.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  // --- delivery ---------------------------------------------------------------------------------------
  const agent = new Agent({ keepAlive: true, maxSockets: BASELINE_SOCKETS_PER_ORIGIN, timeout: 4000 });
  const post = (m: BaselineMessage) =>
    new Promise<number>((resolve) => {
      const t = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', m.secret).update(`${t}.${m.body}`).digest('hex');
      const payload = Buffer.from(m.body, 'utf8');
      const req = request(
        m.url,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': String(payload.length),
            'Bench-Signature': `t=${t},v1=${signature}`,
          },
          signal: AbortSignal.timeout(10_000),
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(payload);
    });

  // The delivery's record is created by its first update (an upsert): one small item per delivery.
  const record = (m: BaselineMessage, status: string) =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: `DL#${m.id}#${m.endpoint}` }, sk: { S: 'DL' } },
        UpdateExpression: 'SET #s = :s, attempts = :n',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: status }, ':n': { N: String(m.attempt) } },
      }),
    );

  /** True when the message is done with (delivered, or its retry scheduled). */
  const deliverOne = async (m: BaselineMessage): Promise<boolean> => {
    const status = await post(m);
    if (status >= 200 && status < 300) {
      await record(m, 'succeeded');
      return true;
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: retryUrl,
        MessageBody: JSON.stringify({ ...m, attempt: m.attempt + 1 }),
        DelaySeconds: options.retryDelaySeconds,
      }),
    );
    await record(m, 'pending');
    return true;
  };

  const deleteDone = async (queueUrl: string, done: Message[]) => {
    if (done.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((d, i) => ({ Id: String(i), ReceiptHandle: d.ReceiptHandle! })),
      }),
    );
  };

  const deliveryLoop = async () => {
    while (running) {
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: fifoUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['MessageGroupId'],
          }),
          { abortSignal: stopping.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        const started = performance.now();
        const groups = new Map<string, Message[]>();
        for (const m of messages) {
          const g = m.Attributes?.MessageGroupId ?? m.MessageId!;
          groups.set(g, [...(groups.get(g) ?? []), m]);
        }
        const done: Message[] = [];
        await Promise.all(
          [...groups.values()].map(async (group) => {
            for (const m of group) {
              const ok = await deliverOne(JSON.parse(m.Body!) as BaselineMessage).catch(() => false);
              if (!ok) break;
              done.push(m);
            }
          }),
        );
        invocations.push({ ms: performance.now() - started, records: messages.length });
        await deleteDone(fifoUrl, done);
      } catch {
        if (running) await sleep(200);
      }
    }
  };

  const retryLoop = async () => {
    while (running) {
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: retryUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          { abortSignal: stopping.signal },
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: fifoUrl,
            Entries: messages.map((raw, i) => {
              const m = JSON.parse(raw.Body!) as BaselineMessage;
              return {
                Id: String(i),
                MessageBody: raw.Body!,
                MessageGroupId: String(m.endpoint),
                MessageDeduplicationId: `${m.id}-${m.endpoint}-${m.attempt}`,
              };
            }),
          }),
        );
        await deleteDone(retryUrl, messages);
      } catch {
        if (running) await sleep(200);
      }
    }
  };

  const loops = [
    ...Array.from({ length: options.deliveryConcurrency ?? DELIVERY_CONCURRENCY }, deliveryLoop),
    retryLoop(),
    retryLoop(),
  ];

  return {
    url: `http://127.0.0.1:${port}`,
    table,
    counter,
    ingestMs,
    invocations,
    register: (tenantId, endpoint, url) =>
      endpoints.set(tenantId, [
        ...(endpoints.get(tenantId) ?? []),
        { endpoint, url, secret: `whsec_${randomBytes(24).toString('base64')}` },
      ]),
    stop: async () => {
      running = false;
      // Ends the long polls now rather than a second later (after the measurement: only saves time).
      stopping.abort();
      await Promise.allSettled(loops);
      agent.destroy();
      await new Promise<void>((resolve) => {
        ingest.closeAllConnections();
        ingest.close(() => resolve());
      });
      await sqsHandle.stop();
      await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

export async function runBaseline(
  s: Scenario,
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
  retryDelaySeconds: number,
  javaPid?: number,
): Promise<{ figures: RunFigures; counter: OpCounter }> {
  const baseline = await startBaseline({ dynamoEndpoint, retryDelaySeconds });
  try {
    for (let endpoint = 0; endpoint < s.endpoints; endpoint++) {
      baseline.register(tenantOf(endpoint), endpoint, `${receiver.url}${endpointPath(endpoint)}`);
    }
    baseline.counter.reset();
    const url = `${baseline.url}/v1/events`;
    const figures = await profiled(`baseline-s${s.id}`, () =>
      drive(s, receiver, async (e) => (await http.post(url, e.body)).status === 202, javaPid),
    );
    return { figures, counter: baseline.counter };
  } finally {
    await baseline.stop();
  }
}

/** The baseline's cost run: same events, receiver delay and counting as ours (bench/cost.ts). */
export async function runBaselineCost(
  endpointsPerEvent: number,
  events: number,
  dynamoEndpoint: string,
  receiver: BenchReceiver,
  http: HttpClient,
): Promise<CostCase> {
  const baseline = await startBaseline({ dynamoEndpoint, retryDelaySeconds: 1, capacity: true });
  try {
    const tenantId = `cost-${endpointsPerEvent}`;
    const first = 1000 * endpointsPerEvent;
    for (let i = 0; i < endpointsPerEvent; i++)
      baseline.register(tenantId, first + i, `${receiver.url}${endpointPath(first + i)}`);
    receiver.reset();
    receiver.set({ delayMs: RECEIVER_MS });
    baseline.counter.reset();
    for (let seq = 0; seq < events; seq++) {
      const body = JSON.stringify({ tenantId, type: EVENT_TYPE, data: eventData(seq) });
      const out = await http.post(`${baseline.url}/v1/events`, body);
      if (out.status !== 202) throw new Error(`baseline ingest answered ${out.status}`);
      await sleep(COST_PUBLISH_INTERVAL_MS);
    }
    const keys = Array.from({ length: events }, (_, seq) =>
      Array.from({ length: endpointsPerEvent }, (_, i) => receiverKey(endpointPath(first + i), seq)),
    ).flat();
    const deliveredCount = () => keys.filter((k) => (receiver.arrivals.get(k)?.okCount ?? 0) > 0).length;
    await waitUntil(() => deliveredCount() >= keys.length, 30_000, 20);
    // Let the last batch's record and delete finish before counting.
    await sleep(200);
    return priceCase({
      endpointsPerEvent,
      events,
      deliveries: deliveredCount(),
      expected: keys.length,
      ops: baseline.counter.list(),
      invocations: [...baseline.invocations],
      ingestMs: [...baseline.ingestMs],
      itemBytes: await averageItemSizes(dynamoEndpoint, baseline.table),
    });
  } finally {
    receiver.set({});
    await baseline.stop();
  }
}
