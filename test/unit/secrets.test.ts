/** Sealing in the domain: what the owner API stores, how legacy clear secrets migrate, what signing opens. */
import { describe, expect, it } from 'vitest';
import { createEndpoint, rotateSecret, updateEndpoint } from '../../lambdas/domain/endpoints';
import type { StoredSecret } from '../../lambdas/domain/model';
import { isLegacySecret, openSigningSecrets } from '../../lambdas/domain/secrets';
import { endpointFixture, fakeService, T0 } from '../support/fakes';

const input = {
  tenantId: 't_1',
  url: 'https://hooks.example.com/in',
  events: ['order.created'],
};

function sealedOf(secrets: readonly StoredSecret[]): string[] {
  return secrets.map((s) => {
    if (isLegacySecret(s)) throw new Error(`a secret is stored in clear: ${s.secret}`);
    return s.sealed;
  });
}

describe('endpoint secrets at rest', () => {
  it('stores a created endpoint with its secret sealed, never in clear', async () => {
    const service = fakeService();
    const created = await createEndpoint(service, input);
    const stored = (await service.store.getEndpoint('t_1', created.id))!;
    expect(sealedOf(stored.secrets)).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(await openSigningSecrets(service.secrets, stored, T0)).toEqual([{ secret: created.secret }]);
  });

  it('seals a secret the owner chose as well', async () => {
    const service = fakeService();
    const chosen = `whsec_${'Q'.repeat(43)}=`;
    const created = await createEndpoint(service, { ...input, secret: chosen });
    const stored = (await service.store.getEndpoint('t_1', created.id))!;
    expect(JSON.stringify(stored)).not.toContain(chosen);
    expect(await openSigningSecrets(service.secrets, stored, T0)).toEqual([{ secret: chosen }]);
  });

  it('rotates without opening anything: the previous sealed value is kept as it was, with its expiry', async () => {
    const service = fakeService();
    const created = await createEndpoint(service, input);
    const [before] = sealedOf((await service.store.getEndpoint('t_1', created.id))!.secrets);
    const opened: string[] = [];
    const original = service.secrets.open.bind(service.secrets);
    service.secrets.open = async (sealed, binding) => {
      opened.push(sealed);
      return original(sealed, binding);
    };
    const rotated = await rotateSecret(service, 't_1', created.id, { expireCurrentInSeconds: 60 });
    expect(opened).toEqual([]);
    const stored = (await service.store.getEndpoint('t_1', created.id))!;
    expect(sealedOf(stored.secrets)[0]).toBe(before);
    expect(stored.secrets[0]!.expiresAt).toBe(T0 + 60_000);
    expect(JSON.stringify(stored)).not.toContain(rotated.secret);
    expect(await openSigningSecrets(service.secrets, stored, T0)).toEqual([
      { secret: created.secret, expiresAt: T0 + 60_000 },
      { secret: rotated.secret },
    ]);
  });

  it('keeps signing with a legacy clear secret, and seals it on the next rotation', async () => {
    const service = fakeService();
    service.store.seed({ endpoints: [endpointFixture({ secrets: [{ secret: 'whsec_legacy' }] })] });
    const legacy = (await service.store.getEndpoint('t_1', 'ep_1'))!;
    expect(await openSigningSecrets(service.secrets, legacy, T0)).toEqual([{ secret: 'whsec_legacy' }]);

    const rotated = await rotateSecret(service, 't_1', 'ep_1', { expireCurrentInSeconds: 3600 });
    const stored = (await service.store.getEndpoint('t_1', 'ep_1'))!;
    expect(sealedOf(stored.secrets)).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain('whsec_legacy');
    expect(await openSigningSecrets(service.secrets, stored, T0)).toEqual([
      { secret: 'whsec_legacy', expiresAt: T0 + 3_600_000 },
      { secret: rotated.secret },
    ]);
  });

  it('seals a legacy clear secret on any other write through the API', async () => {
    const service = fakeService();
    service.store.seed({ endpoints: [endpointFixture({ secrets: [{ secret: 'whsec_legacy' }] })] });
    await updateEndpoint(service, 't_1', 'ep_1', { description: 'renamed' });
    const stored = (await service.store.getEndpoint('t_1', 'ep_1'))!;
    expect(sealedOf(stored.secrets)).toHaveLength(1);
    expect(await openSigningSecrets(service.secrets, stored, T0)).toEqual([{ secret: 'whsec_legacy' }]);
  });

  it('opens only the secrets that still sign: an expired one is skipped, even when it cannot be opened', async () => {
    const service = fakeService();
    const endpoint = endpointFixture({
      secrets: [{ sealed: 'v1.not-openable', expiresAt: T0 }, { secret: 'whsec_current' }],
    });
    expect(await openSigningSecrets(service.secrets, endpoint, T0)).toEqual([{ secret: 'whsec_current' }]);
  });
});
