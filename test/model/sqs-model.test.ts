/**
 * The SQS model follows the rules AWS documents (docs/reliability.md lists each with its page), and the
 * project's real SQS adapter runs over it unchanged.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsQueues } from '../../lambdas/adapters/sqs-queues';
import type { DeliveryMessage } from '../../lambdas/domain/model';
import { EventSource } from './event-source';
import { SimClock } from './sim-clock';
import { type ModelQueueConfig, SqsModel } from './sqs-model';

const T = Date.UTC(2026, 0, 1);
const FIFO = SqsModel.urlOf('q.fifo');
const DLQ = SqsModel.urlOf('dlq.fifo');
const STD = SqsModel.urlOf('std');

function model(options: { maxReceiveCount?: number; duplicateRate?: number; mixGroups?: boolean } = {}) {
  const clock = new SimClock(T);
  const queues: ModelQueueConfig[] = [
    { name: 'dlq.fifo', fifo: true, visibilityTimeoutSeconds: 30, retentionSeconds: 14 * 86400 },
    {
      name: 'q.fifo',
      fifo: true,
      visibilityTimeoutSeconds: 720,
      retentionSeconds: 4 * 86400,
      redrive: { deadLetterQueue: 'dlq.fifo', maxReceiveCount: options.maxReceiveCount ?? 3 },
    },
    {
      name: 'std',
      fifo: false,
      visibilityTimeoutSeconds: 30,
      retentionSeconds: 4 * 86400,
      duplicateRate: options.duplicateRate ?? 0,
    },
  ];
  const sqs = new SqsModel({
    clock,
    queues,
    random: () => 0,
    ...(options.mixGroups !== undefined ? { mixGroups: options.mixGroups } : {}),
  });
  return { clock, sqs };
}

async function sendFifo(sqs: SqsModel, group: string, body: string, dedup = body) {
  return sqs.send(
    new SendMessageCommand({
      QueueUrl: FIFO,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: dedup,
    }),
  );
}

async function receive(sqs: SqsModel, url = FIFO, max = 10): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

describe('SQS model: FIFO queues', () => {
  it('a receive returns up to 10 messages of one group, in order', async () => {
    const { sqs } = model({ mixGroups: false });
    for (let i = 0; i < 12; i++) await sendFifo(sqs, 'g1', `a${i}`);
    await sendFifo(sqs, 'g2', 'b0');
    const first = await receive(sqs);
    expect(first.map((m) => m.Body)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
    // g1 has messages in flight: its 11th and 12th wait; g2 is served.
    expect((await receive(sqs)).map((m) => m.Body)).toEqual(['b0']);
    expect(await receive(sqs)).toEqual([]);
  });

  it('fills a receive from other groups once the first group has no more (the AWS default)', async () => {
    const { sqs } = model();
    await sendFifo(sqs, 'g1', 'a0');
    await sendFifo(sqs, 'g2', 'b0');
    await sendFifo(sqs, 'g1', 'a1');
    expect((await receive(sqs)).map((m) => m.Body)).toEqual(['a0', 'a1', 'b0']);
  });

  it('never hands out a group that has a message in flight, even when later ones are visible', async () => {
    const { sqs } = model();
    await sendFifo(sqs, 'g', 'head');
    const [head] = await receive(sqs);
    await sendFifo(sqs, 'g', 'next');
    expect(await receive(sqs)).toEqual([]);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: FIFO, ReceiptHandle: head!.ReceiptHandle }));
    expect((await receive(sqs)).map((m) => m.Body)).toEqual(['next']);
  });

  it('a head made visible again stays blocked while a follower of its batch is in flight', async () => {
    const { clock, sqs } = model();
    await sendFifo(sqs, 'g', 'head');
    await sendFifo(sqs, 'g', 'follower');
    const [head] = await receive(sqs);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: FIFO,
        ReceiptHandle: head!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(await receive(sqs)).toEqual([]);
    // The follower was returned with the head and is hidden for the queue's 720 s.
    await clock.runUntil(T + 720_000);
    expect((await receive(sqs)).map((m) => m.Body)).toEqual(['head', 'follower']);
  });

  it('every receive counts against every message it returns, and the count+1-th receive redrives', async () => {
    const { clock, sqs } = model({ maxReceiveCount: 3 });
    await sendFifo(sqs, 'g', 'head');
    await sendFifo(sqs, 'g', 'follower');
    for (let n = 1; n <= 3; n++) {
      const batch = await receive(sqs);
      expect(batch.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual([String(n), String(n)]);
      await clock.runUntil(clock.now() + 720_000);
    }
    // Both were received 3 times (the follower without ever being handled): the next receive moves both.
    expect(await receive(sqs)).toEqual([]);
    expect(sqs.events.filter((e) => e.kind === 'redriven').map((e) => e.message.body)).toEqual([
      'head',
      'follower',
    ]);
    expect((await receive(sqs, DLQ)).map((m) => m.Body)).toEqual(['head', 'follower']);
  });

  it('rejects a per-message DelaySeconds (SendMessage fails; in a batch the entry is Failed, sender fault)', async () => {
    const { sqs } = model();
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: FIFO,
          MessageBody: 'x',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'x',
          DelaySeconds: 5,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: FIFO,
        Entries: [
          { Id: '0', MessageBody: 'ok', MessageGroupId: 'g', MessageDeduplicationId: 'ok' },
          {
            Id: '1',
            MessageBody: 'late',
            MessageGroupId: 'g',
            MessageDeduplicationId: 'late',
            DelaySeconds: 1,
          },
        ],
      }),
    );
    expect(out.Successful.map((e: { Id: string }) => e.Id)).toEqual(['0']);
    expect(out.Failed).toMatchObject([{ Id: '1', Code: 'InvalidParameterValue', SenderFault: true }]);
  });

  it('drops a second send with the same deduplication id within 5 minutes, accepts it after', async () => {
    const { clock, sqs } = model();
    const a = await sendFifo(sqs, 'g', 'one', 'd-1');
    const b = await sendFifo(sqs, 'g', 'two', 'd-1');
    expect(b.MessageId).toBe(a.MessageId);
    expect(sqs.contents('q.fifo').map((m) => m.body)).toEqual(['one']);
    // Tracking outlives a delete, until the interval ends.
    const [m] = await receive(sqs);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: FIFO, ReceiptHandle: m!.ReceiptHandle }));
    await clock.runUntil(T + 4 * 60_000);
    await sendFifo(sqs, 'g', 'three', 'd-1');
    expect(sqs.contents('q.fifo')).toEqual([]);
    await clock.runUntil(T + 5 * 60_000);
    await sendFifo(sqs, 'g', 'four', 'd-1');
    expect(sqs.contents('q.fifo').map((x) => x.body)).toEqual(['four']);
  });

  it('requires a group id and a deduplication id (no content-based deduplication)', async () => {
    const { sqs } = model();
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: FIFO, MessageBody: 'x' })),
    ).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: FIFO, MessageBody: 'x', MessageGroupId: 'g' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('SQS model: visibility, retention, standard queues', () => {
  it('ChangeMessageVisibility counts from the call, 0 to 43,200 s, latest receipt handle only', async () => {
    const { clock, sqs } = model();
    await sendFifo(sqs, 'g', 'm');
    const [first] = await receive(sqs);
    const cmv = (handle: string | undefined, seconds: number) =>
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: FIFO,
          ReceiptHandle: handle,
          VisibilityTimeout: seconds,
        }),
      );
    await expect(cmv(first!.ReceiptHandle, 43_201)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await cmv(first!.ReceiptHandle, 60);
    await clock.runUntil(T + 59_000);
    expect(await receive(sqs)).toEqual([]);
    await clock.runUntil(T + 60_000);
    const [second] = await receive(sqs);
    expect(second!.Attributes?.ApproximateReceiveCount).toBe('2');
    await expect(cmv(first!.ReceiptHandle, 10)).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await clock.runUntil(T + 60_000 + 720_000);
    await expect(cmv(second!.ReceiptHandle, 10)).rejects.toMatchObject({ name: 'MessageNotInflight' });
  });

  it('a delete with an older receipt handle succeeds but deletes nothing', async () => {
    const { clock, sqs } = model();
    await sendFifo(sqs, 'g', 'm');
    const [first] = await receive(sqs);
    await clock.runUntil(T + 720_000);
    await receive(sqs);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: FIFO, ReceiptHandle: first!.ReceiptHandle }));
    expect(sqs.contents('q.fifo')).toHaveLength(1);
  });

  it('message timers on a standard queue: 0 to 900 s, above rejected like AWS', async () => {
    const { clock, sqs } = model();
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: STD, MessageBody: 'x', DelaySeconds: 901 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await sqs.send(new SendMessageCommand({ QueueUrl: STD, MessageBody: 'x', DelaySeconds: 900 }));
    await clock.runUntil(T + 899_000);
    expect(await receive(sqs, STD)).toEqual([]);
    await clock.runUntil(T + 900_000);
    expect(await receive(sqs, STD)).toHaveLength(1);
  });

  it('deletes a message older than the retention period silently (no DLQ)', async () => {
    const { clock, sqs } = model();
    await sendFifo(sqs, 'g', 'old');
    await clock.runUntil(T + 4 * 86_400_000);
    expect(await receive(sqs)).toEqual([]);
    expect(sqs.events.map((e) => e.kind)).toEqual(['expired']);
    expect(await receive(sqs, DLQ)).toEqual([]);
  });

  it('at-least-once: a delete that misses a copy lets the message come back after its visibility timeout', async () => {
    const { clock, sqs } = model({ duplicateRate: 1 });
    await sqs.send(new SendMessageCommand({ QueueUrl: STD, MessageBody: 'x' }));
    const [m] = await receive(sqs, STD);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: STD, ReceiptHandle: m!.ReceiptHandle }));
    await clock.runUntil(T + 30_000);
    expect((await receive(sqs, STD)).map((x) => x.Body)).toEqual(['x']);
  });

  it('reports depths through GetQueueAttributes', async () => {
    const { sqs } = model();
    await sendFifo(sqs, 'g', 'a');
    await sendFifo(sqs, 'h', 'b');
    await receive(sqs, FIFO, 1);
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: FIFO, AttributeNames: ['All'] }));
    expect(out.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
  });
});

describe('SQS model under the real adapter and the event source', () => {
  const message: DeliveryMessage = {
    v: 2,
    deliveryId: 'dlv_1',
    tenantId: 't',
    eventId: 'evt_1',
    eventType: 'order.created',
    endpointId: 'ep_1',
    createdAt: '2026-12-01T00:00:00.000Z',
    attempt: 1,
    attemptOffset: 0,
    round: 0,
    ordering: 'sequential',
  };

  it('SqsQueues runs over the model unchanged: group = endpoint, deduplication = delivery + attempt', async () => {
    const { sqs } = model();
    const queues = new SqsQueues({
      client: sqs.asClient(),
      deliveryQueueUrl: FIFO,
      deliveryDlqUrl: DLQ,
      retryQueueUrl: STD,
    });
    await queues.enqueue([message, message, { ...message, attempt: 2 }]);
    expect(sqs.contents('q.fifo').map((m) => [m.groupId, m.dedupId])).toEqual([
      ['ep_1', 'dlv_1-0-1'],
      ['ep_1', 'dlv_1-0-2'],
    ]);
    // The adapter plans hops itself: a due time an hour away is a 900 s timer, which the model accepts.
    await queues.delay({ ...message, dueAt: Date.now() + 3_600_000 });
    const [received] = await receive(sqs);
    await queues.holdUntil(received!.ReceiptHandle!, Date.now() + 43_200_000);
    await queues.deadLetter(message, 'gave up after 6 attempts');
    expect(JSON.parse(sqs.contents('dlq.fifo')[0]!.body)).toMatchObject({
      reason: 'gave up after 6 attempts',
    });
  });

  it('the event source deletes what the handler did not list, and keeps the whole batch when it throws', async () => {
    const { clock, sqs } = model({ maxReceiveCount: 100 });
    for (const body of ['a', 'b', 'c']) await sendFifo(sqs, 'g', body);
    const seen: string[][] = [];
    let calls = 0;
    const source = new EventSource({
      clock,
      sqs,
      queueUrl: FIFO,
      batchSize: 10,
      concurrency: 1,
      functionTimeoutMs: 60_000,
      handler: async (event) => {
        seen.push(event.Records.map((r) => r.body));
        calls++;
        if (calls === 1)
          return {
            batchItemFailures: [
              { itemIdentifier: event.Records[1]!.messageId },
              { itemIdentifier: event.Records[2]!.messageId },
            ],
          };
        if (calls === 2) throw new Error('crash');
        return { batchItemFailures: [] };
      },
    });
    source.start();
    await clock.runUntil(T + 2 * 720_000 + 1000);
    source.stop();
    expect(seen).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
      ['b', 'c'],
    ]);
    expect(source.stats).toMatchObject({ invocations: 3, errors: 1 });
    expect(sqs.contents('q.fifo')).toEqual([]);
  });

  it('an invocation past its function timeout fails its whole batch', async () => {
    const { clock, sqs } = model({ maxReceiveCount: 100 });
    await sendFifo(sqs, 'g', 'slow');
    const source = new EventSource({
      clock,
      sqs,
      queueUrl: FIFO,
      batchSize: 10,
      concurrency: 1,
      functionTimeoutMs: 1000,
      handler: async () => {
        await clock.sleep(5000);
        return { batchItemFailures: [] };
      },
    });
    source.start();
    await clock.runUntil(T + 2000);
    source.stop();
    expect(source.stats.timeouts).toBe(1);
    expect(sqs.contents('q.fifo')).toHaveLength(1);
  });

  it('runs 30 hours of simulated time in a handful of steps', async () => {
    const { clock } = model();
    let ticks = 0;
    void (async () => {
      for (;;) {
        await clock.sleep(3_600_000);
        ticks++;
      }
    })();
    await clock.runUntil(T + 30 * 3_600_000);
    expect(ticks).toBe(30);
    expect(clock.steps).toBe(30);
  });
});
