/**
 * The X-Ray subsegment middleware on real SDK clients against the emulators, with a UDP socket standing in
 * for Lambda's X-Ray daemon: what reaches the daemon, and the trace header the request carries.
 */
import { createSocket } from 'node:dgram';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { traceAwsClient } from '../../lambdas/adapters/xray-subsegments';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type SqsHandle, startSqs } from '../../local/emulators';

const ROOT = '1-67891233-abcdef012345678912345678';
const PARENT = '53995c3f42cd8ad8';

describe('X-Ray subsegments of SDK calls', () => {
  const daemon = createSocket('udp4');
  const received: string[] = [];
  let daemonAddress = '';
  let header = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
  let sqsHandle: SqsHandle;
  const sent: (string | undefined)[] = [];

  const capture = (client: { middlewareStack: { add(m: unknown, o: unknown): void } }) =>
    client.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>) =>
        async (args: { request: { headers: Record<string, string> } }) => {
          sent.push(args.request.headers['X-Amzn-Trace-Id']);
          return next(args);
        },
      { step: 'finalizeRequest', name: 'captureTraceHeader' },
    );

  beforeAll(async () => {
    daemon.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    daemonAddress = `127.0.0.1:${daemon.address().port}`;
    sqsHandle = await startSqs();
  });
  afterAll(async () => {
    daemon.close();
    delete process.env.AWS_XRAY_DAEMON_ADDRESS;
    await sqsHandle?.stop();
  });

  const waitFor = async (n: number) => {
    for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    return received.map((m) => {
      const [first, doc] = m.split('\n');
      expect(first).toBe('{"format": "json", "version": 1}');
      return JSON.parse(doc!);
    });
  };

  it('sends one subsegment per call when sampled, and the request carries the trace with its id', async () => {
    process.env.AWS_XRAY_DAEMON_ADDRESS = `tcp:127.0.0.1:1 udp:${daemonAddress}`;
    const sqs = new SQSClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: sqsHandle.endpoint,
      cacheMiddleware: true,
    });
    traceAwsClient(sqs, 'SQS', LOCAL_REGION, { traceHeader: () => header });
    capture(sqs);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'traced' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const docs = await waitFor(2);
    expect(docs).toHaveLength(2);
    const send = docs[1];
    expect(send).toMatchObject({
      name: 'SQS',
      type: 'subsegment',
      namespace: 'aws',
      trace_id: ROOT,
      parent_id: PARENT,
      aws: { operation: 'SendMessage', region: LOCAL_REGION, queue_url: QueueUrl },
      http: { response: { status: 200 } },
    });
    expect(send.id).toMatch(/^[0-9a-f]{16}$/);
    expect(send.end_time).toBeGreaterThanOrEqual(send.start_time);
    expect(sent[1]).toBe(`Root=${ROOT};Parent=${send.id};Sampled=1`);

    // Not sampled: no document, no header.
    header = `Root=${ROOT};Parent=${PARENT};Sampled=0`;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'y' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(2);
    expect(sent[2]).toBeUndefined();
    sqs.destroy();
  });

  it('records a refused call as an error with its status, and the call still fails as before', async () => {
    header = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    received.length = 0;
    const dynamo = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: inject('dynamoEndpoint'),
      maxAttempts: 1,
    });
    traceAwsClient(dynamo, 'DynamoDB', LOCAL_REGION, { traceHeader: () => header });
    await expect(dynamo.send(new DescribeTableCommand({ TableName: 'no-such-table' }))).rejects.toThrow();
    const [doc] = await waitFor(1);
    expect(doc).toMatchObject({
      name: 'DynamoDB',
      aws: { operation: 'DescribeTable', table_name: 'no-such-table' },
      http: { response: { status: 400 } },
      error: true,
    });
    expect(doc.fault).toBeUndefined();
    expect(doc.cause.exceptions[0].message).toMatch(/non-existent table|not found/i);
    dynamo.destroy();
  });
});
