/**
 * Endpoint secrets at rest, through the local runtime and DynamoDB Local: the table holds them sealed
 * (the local key standing in for KMS, same format and code), legacy clear ones still sign and are sealed
 * on rotation, and one that no longer opens ends its delivery `failed` in the DLQ with the reason.
 */
import { createHmac } from 'node:crypto';
import { type AttributeValue, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../lambdas/domain/model';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

function signedWith(header: string, body: string, secret: string): boolean {
  const t = /t=(\d+)/.exec(header)?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return header.split(',').includes(`v1=${expected}`);
}

describe('secrets at rest (local runtime)', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const key = (tenantId: string, id: string): Record<string, AttributeValue> => ({
    pk: { S: `T#${tenantId}` },
    sk: { S: `EP#${id}` },
  });
  async function rawItem(tenantId: string, id: string) {
    const out = await runtime.dynamo.send(
      new GetItemCommand({
        TableName: runtime.config.tableName,
        Key: key(tenantId, id),
        ConsistentRead: true,
      }),
    );
    return unmarshall(out.Item!) as Endpoint;
  }
  async function deliveredTo(path: string, tenantId: string) {
    const before = receiver.requests.filter((r) => r.path === path).length;
    const published = await api.publish({ tenantId, type: 'order.created', data: { n: before } });
    expect(published.status).toBe(202);
    return eventually(async () => receiver.requests.filter((r) => r.path === path)[before], 20_000, path);
  }

  it('stores a new secret sealed in the table, and signs with it', async () => {
    const created = await api.createEndpoint({
      tenantId: 'sealed',
      url: `${receiver.url}/sealed`,
      events: ['order.created'],
    });
    expect(created.status).toBe(201);
    const item = await rawItem('sealed', created.body.id);
    expect(item.secrets).toEqual([{ sealed: expect.stringMatching(/^v1\.[\w-]+(\.[\w-]+){4}$/) }]);
    expect(JSON.stringify(item)).not.toContain(created.body.secret);
    expect(JSON.stringify(item)).not.toContain(created.body.secret.slice(6));

    const request = await deliveredTo('/sealed', 'sealed');
    expect(signedWith(String(request.headers['yumkiosk-signature']), request.body, created.body.secret)).toBe(
      true,
    );
  });

  it('still signs with a legacy clear secret, and seals it on rotation', async () => {
    const at = new Date().toISOString();
    // An endpoint as the service stored it before secrets were sealed.
    await runtime.service.store.createEndpoint(
      {
        id: 'ep_01JLEGACY0000000000000000',
        tenantId: 'legacy',
        url: `${receiver.url}/legacy`,
        events: ['*'],
        description: '',
        status: 'enabled',
        ordering: 'sequential',
        secrets: [{ secret: 'whsec_legacy-clear' }],
        createdAt: at,
        updatedAt: at,
      },
      50,
    );
    const first = await deliveredTo('/legacy', 'legacy');
    expect(signedWith(String(first.headers['yumkiosk-signature']), first.body, 'whsec_legacy-clear')).toBe(
      true,
    );

    const rotated = await api.call(
      'POST',
      '/v1/endpoints/ep_01JLEGACY0000000000000000/rotate-secret?tenantId=legacy',
    );
    expect(rotated.status).toBe(200);
    const item = await rawItem('legacy', 'ep_01JLEGACY0000000000000000');
    expect(JSON.stringify(item)).not.toContain('whsec_legacy-clear');
    expect(item.secrets.every((s) => 'sealed' in s)).toBe(true);

    // Both sign during the grace period: the legacy one (now sealed) and the new one.
    const next = await deliveredTo('/legacy', 'legacy');
    const header = String(next.headers['yumkiosk-signature']);
    expect(signedWith(header, next.body, 'whsec_legacy-clear')).toBe(true);
    expect(signedWith(header, next.body, rotated.body.secret)).toBe(true);
  });

  it('ends a delivery whose secret was altered in the table failed, with the reason, in the DLQ', async () => {
    const created = await api.createEndpoint({
      tenantId: 'altered',
      url: `${receiver.url}/altered`,
      events: ['order.created'],
    });
    const item = await rawItem('altered', created.body.id);
    const sealed = (item.secrets[0] as { sealed: string }).sealed;
    // One bit of the ciphertext flipped (a changed base64 character may only change unused bits).
    const parts = sealed.split('.');
    const bytes = Buffer.from(parts[5]!, 'base64url');
    bytes[0] = bytes[0]! ^ 1;
    const altered = [...parts.slice(0, 5), bytes.toString('base64url')].join('.');
    await runtime.dynamo.send(
      new UpdateItemCommand({
        TableName: runtime.config.tableName,
        Key: key('altered', created.body.id),
        UpdateExpression: 'SET secrets[0].sealed = :s',
        ExpressionAttributeValues: { ':s': { S: altered } },
      }),
    );
    const published = await api.publish({ tenantId: 'altered', type: 'order.created', data: {} });
    const id = published.body.deliveries[0].id as string;
    const failed = await eventually(async () => {
      const r = await api.delivery('altered', id);
      return r.body?.status === 'failed' ? r.body : undefined;
    });
    const reason =
      'signing secret cannot be decrypted: the stored secret does not authenticate (altered, or sealed for another endpoint)';
    expect(failed.failureReason).toBe(reason);
    expect(failed.attemptCount).toBe(0);
    expect(receiver.requests.filter((r) => r.path === '/altered')).toEqual([]);
    const dead = await eventually(async () => {
      const out = await runtime.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.queues.deliveryDlqUrl, MaxNumberOfMessages: 10 }),
      );
      const mine = (out.Messages ?? [])
        .map((m) => JSON.parse(m.Body ?? '{}'))
        .filter((b) => b.deliveryId === id);
      return mine.length > 0 ? mine : undefined;
    });
    expect(dead[0].reason).toBe(reason);
  });
});
