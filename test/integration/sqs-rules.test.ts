import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueues } from '../../lambdas/adapters/sqs-queues';
import type { DeliveryMessage } from '../../lambdas/domain/model';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const message: DeliveryMessage = {
  v: 1,
  deliveryId: 'dlv_x',
  tenantId: 't',
  eventId: 'evt_x',
  endpointId: 'ep_x',
  attempt: 2,
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

    const queues = new SqsQueues({
      client: runtime.sqs,
      deliveryQueueUrl: runtime.queues.deliveryQueueUrl,
      deliveryDlqUrl: runtime.queues.deliveryDlqUrl,
      retryQueueUrl: runtime.queues.retryQueueUrl,
    });
    await expect(queues.delay(message, 901)).rejects.toThrow(/0 to 900/);
    await expect(queues.delay(message, 1.5)).rejects.toThrow(RangeError);
    await expect(queues.delay(message, 900)).resolves.toBeUndefined();
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

  it('moves an unprocessable message to the DLQ by redrive without blocking its group for good', async () => {
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
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['not a delivery message']);
  });
});
