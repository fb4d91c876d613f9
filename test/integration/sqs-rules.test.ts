import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueues } from '../../lambdas/adapters/sqs-queues';
import type { DeliveryMessage } from '../../lambdas/domain/model';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const message: DeliveryMessage & { dueAt: number } = {
  v: 2,
  deliveryId: 'dlv_x',
  tenantId: 't',
  eventId: 'evt_x',
  eventType: 'order.created',
  endpointId: 'ep_x',
  createdAt: new Date().toISOString(),
  attempt: 2,
  attemptOffset: 0,
  round: 0,
  ordering: 'sequential',
  dueAt: Date.now() + 3_600_000,
};

describe('AWS rules the emulator does not enforce, enforced by us', () => {
  let runtime: Runtime;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s' } });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('the emulator accepts a 901 s message timer that AWS rejects, so the adapter refuses it first', async () => {
    // fauxqs is laxer than AWS here (aws-facts.md): this would fail on AWS with InvalidParameterValue.
    const lax = await runtime.sqs.send(
      new SendMessageCommand({
        QueueUrl: runtime.queues.retryQueueUrl,
        MessageBody: '{}',
        DelaySeconds: 901,
      }),
    );
    expect(lax.MessageId).toBeDefined();

    // The adapter turns a due time an hour away into a hop of at most 900 s (it records what it sent).
    const sent: number[] = [];
    const client = {
      send: async (command: { input: { DelaySeconds?: number } }) => {
        if (command.input.DelaySeconds !== undefined) sent.push(command.input.DelaySeconds);
        return runtime.sqs.send(command as never);
      },
    };
    const now = Date.now();
    const queues = new SqsQueues({
      client: client as never,
      deliveryQueueUrl: runtime.queues.deliveryQueueUrl,
      deliveryDlqUrl: runtime.queues.deliveryDlqUrl,
      retryQueueUrl: runtime.queues.retryQueueUrl,
      now: () => now,
    });
    await queues.delay({ ...message, dueAt: now + 3_600_000 });
    await queues.delay({ ...message, dueAt: now + 1500 });
    await queues.delay({ ...message, dueAt: now - 1000 });
    expect(sent).toEqual([900, 2, 0]);
  });

  it('FIFO queues reject per-message delays (so retries never rely on them)', async () => {
    await expect(
      runtime.sqs.send(
        new SendMessageCommand({
          QueueUrl: runtime.queues.deliveryQueueUrl,
          MessageBody: '{}',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
          DelaySeconds: 5,
        }),
      ),
    ).rejects.toThrow();
  });

  it('dead-letters an unprocessable message itself, with the reason, without blocking its group', async () => {
    const api = apiClient(runtime.url);
    const endpoint = await api.createEndpoint({
      tenantId: 'poison',
      url: `${receiver.url}/p`,
      events: ['*'],
    });
    // Garbage at the head of the endpoint's group, then a real event behind it.
    await runtime.sqs.send(
      new SendMessageCommand({
        QueueUrl: runtime.queues.deliveryQueueUrl,
        MessageBody: 'not a delivery message',
        MessageGroupId: endpoint.body.id,
        MessageDeduplicationId: 'poison-1',
      }),
    );
    const published = await api.publish({ tenantId: 'poison', type: 'order.created', data: {} });
    await receiver.waitFor(1, 30_000);
    const delivery = await eventually(async () => {
      const r = await api.delivery('poison', published.body.deliveries[0].id);
      return r.body?.status === 'succeeded' ? r.body : undefined;
    });
    expect(delivery.attemptCount).toBe(1);
    const dead = await runtime.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: runtime.queues.deliveryDlqUrl, MaxNumberOfMessages: 10 }),
    );
    const bodies = (dead.Messages ?? [])
      .map((m) => JSON.parse(m.Body ?? '{}'))
      .filter((b) => b.raw !== undefined);
    expect(bodies).toHaveLength(1);
    expect(bodies[0].raw).toBe('not a delivery message');
    expect(bodies[0].reason).toMatch(/^unprocessable message: message body is not JSON/);
  });
});
