/** The delivery path opens sealed secrets; one that can never be opened ends the delivery `failed`. */
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, SecretUnreadableError } from '../../lambdas/domain/errors';
import { hmacHex } from '../../lambdas/domain/signing/yumkiosk';
import { T0, testSecrets } from '../support/fakes';
import { DLV, expectNoQueueCalls, setup } from './deliver-setup';

const BINDING = { tenantId: 't_1', endpointId: 'ep_1' };

/** Flips one bit of the ciphertext (a changed base64 character may only change unused bits). */
function alterCiphertext(value: string): string {
  const parts = value.split('.');
  const bytes = Buffer.from(parts[5]!, 'base64url');
  bytes[0] = bytes[0]! ^ 1;
  parts[5] = bytes.toString('base64url');
  return parts.join('.');
}

async function sealed(secret = 'whsec_test', binding = BINDING): Promise<string> {
  return testSecrets().seal(secret, binding);
}

describe('handleDeliveryMessage: sealed signing secrets', () => {
  it('signs with the opened secret', async () => {
    const { http, event, store, run } = setup({ endpoint: { secrets: [{ sealed: await sealed() }] } });
    expect(await run()).toBe('ack');
    expect(http.calls[0]!.headers['YumKiosk-Signature']).toBe(
      `t=${T0 / 1000},v1=${hmacHex('whsec_test', T0 / 1000, event.body)}`,
    );
    expect(store.delivery(DLV)?.status).toBe('succeeded');
  });

  it('signs with a sealed and a legacy clear secret side by side during a rotation', async () => {
    const { http, event, run } = setup({
      endpoint: {
        secrets: [{ secret: 'whsec_old', expiresAt: T0 + 60_000 }, { sealed: await sealed('whsec_new') }],
      },
    });
    await run();
    const t = T0 / 1000;
    expect(http.calls[0]!.headers['YumKiosk-Signature']).toBe(
      `t=${t},v1=${hmacHex('whsec_old', t, event.body)},v1=${hmacHex('whsec_new', t, event.body)}`,
    );
  });

  for (const [what, value] of [
    ['altered', async () => alterCiphertext(await sealed())],
    ['copied from another endpoint', () => sealed('whsec_test', { ...BINDING, endpointId: 'ep_2' })],
  ] as const) {
    it(`fails and dead-letters a delivery whose secret was ${what}, without HTTP`, async () => {
      const { http, queues, store, message, run } = setup({
        endpoint: { secrets: [{ sealed: await value() }] },
      });
      expect(await run()).toBe('ack');
      expect(http.calls).toEqual([]);
      const reason =
        'signing secret cannot be decrypted: the stored secret does not authenticate (altered, or sealed for another endpoint)';
      expect(queues.deadLettered).toEqual([{ message, reason }]);
      expect(store.delivery(DLV)).toMatchObject({ status: 'failed', failureReason: reason, attemptCount: 0 });
    });
  }

  it('fails and dead-letters a delivery whose key is disabled, naming what KMS said', async () => {
    const why = 'KMS refused the data key (DisabledException: arn:aws:kms:...:key/k is disabled.)';
    const { http, queues, store, run } = setup({
      endpoint: { secrets: [{ sealed: await sealed() }] },
      secrets: {
        open: async () => {
          throw new SecretUnreadableError(why);
        },
      },
    });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered.map((d) => d.reason)).toEqual([`signing secret cannot be decrypted: ${why}`]);
    expect(store.delivery(DLV)?.failureReason).toBe(`signing secret cannot be decrypted: ${why}`);
  });

  it('leaves the message for a retry when KMS is only unavailable: nothing recorded, nothing dead-lettered', async () => {
    const { http, queues, store, run } = setup({
      endpoint: { secrets: [{ sealed: await sealed() }] },
      secrets: {
        open: async () => {
          throw new DependencyUnavailableError('kms');
        },
      },
    });
    await expect(run()).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(http.calls).toEqual([]);
    expectNoQueueCalls(queues);
    expect(store.allDeliveries()).toEqual([]);
  });

  it('reports a disabled endpoint as such, without trying to open its secret', async () => {
    const { queues, run } = setup({
      endpoint: { status: 'disabled', secrets: [{ sealed: 'v1.broken' }] },
    });
    await run();
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['endpoint is disabled']);
  });
});
