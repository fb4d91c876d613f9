/**
 * The Standard Webhooks scheme, judged by the reference verifier (the npm `standardwebhooks` package):
 * requests signed by the service's own code path must pass it, and clients/receiver.ts
 * `verifyStandardWebhook()` must decide like it.
 *
 * The package reads the clock through `Date.now()`, so these tests fake `Date` and give ours the same time.
 * Deliberate differences, tested at the end: a timestamp with trailing garbage (`parseInt` accepts it, we do
 * not), and a body that is not JSON (the package throws after the signature matched, we accept).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyStandardWebhook } from '../../clients/receiver';
import { deliveryHeaders } from '../../lambdas/domain/signing';
import { standardSignature } from '../../lambdas/domain/signing/standard-webhooks';

const NOW_MS = 1_767_225_600_500;
const T = Math.floor(NOW_MS / 1000);
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const NEXT = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const STRANGER = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const BODY = '{"id":"evt_1","type":"order.created","data":{"item":"Crème brûlée ☕"}}';
const DELIVERY = 'dlv_01JQ8Z7Q4V9X3K2M1N0P';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_MS);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Headers as the service sends them, from its own code. */
function serviceHeaders(secrets: { secret: string; expiresAt?: number }[], nowMs = NOW_MS, body = BODY) {
  return deliveryHeaders({
    scheme: 'standard-webhooks',
    brand: 'YumKiosk',
    body,
    eventType: 'order.created',
    deliveryId: DELIVERY,
    secrets,
    now: nowMs,
  });
}

/** The reference verifier's decision: it returns when it accepts and throws when it does not. */
function packageAccepts(secret: string, body: string | Buffer, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}
const oursAccepts = (secret: string, body: string | Buffer, headers: Record<string, string>) =>
  verifyStandardWebhook(body, headers, secret, { now: () => NOW_MS });

describe('the service signs Standard Webhooks the reference verifier accepts', () => {
  it('sends webhook-id, webhook-timestamp and a v1 signature over "<id>.<t>.<body>"', () => {
    const headers = serviceHeaders([{ secret: SECRET }]);
    expect(headers['webhook-id']).toBe(DELIVERY);
    expect(headers['webhook-timestamp']).toBe(String(T));
    expect(headers['webhook-signature']).toBe(new Webhook(SECRET).sign(DELIVERY, new Date(T * 1000), BODY));
    expect(headers['YumKiosk-Signature']).toBeUndefined();
  });

  it('is accepted by Webhook(secret).verify, body parsed, and by verifyStandardWebhook', () => {
    const headers = serviceHeaders([{ secret: SECRET }]);
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new Webhook(SECRET).verify(Buffer.from(BODY), headers)).toEqual(JSON.parse(BODY));
    expect(oursAccepts(SECRET, BODY, headers)).toBe(true);
    expect(oursAccepts(SECRET, Buffer.from(BODY), headers)).toBe(true);
  });

  it('is rejected by both when the body, id or timestamp is tampered with, or the secret is wrong', () => {
    const headers = serviceHeaders([{ secret: SECRET }]);
    const tamperings: [string, string | Buffer, Record<string, string>][] = [
      [SECRET, BODY.replace('☕', '🍵'), headers],
      [SECRET, BODY, { ...headers, 'webhook-id': 'dlv_other' }],
      [SECRET, BODY, { ...headers, 'webhook-timestamp': String(T - 1) }],
      [STRANGER, BODY, headers],
    ];
    for (const [secret, body, h] of tamperings) {
      expect(() => new Webhook(secret).verify(body, h)).toThrow();
      expect(oursAccepts(secret, body, h)).toBe(false);
    }
  });

  it('during a rotation sends both signatures, and a verifier holding either secret accepts', () => {
    const headers = serviceHeaders([{ secret: SECRET, expiresAt: NOW_MS + 3_600_000 }, { secret: NEXT }]);
    const signatures = headers['webhook-signature']!.split(' ');
    expect(signatures).toHaveLength(2);
    // Newest last, as for the default scheme.
    expect(signatures[1]).toBe(standardSignature(NEXT, DELIVERY, T, BODY));
    for (const secret of [SECRET, NEXT]) {
      expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
      expect(oursAccepts(secret, BODY, headers)).toBe(true);
    }
    expect(packageAccepts(STRANGER, BODY, headers)).toBe(false);
    expect(oursAccepts(STRANGER, BODY, headers)).toBe(false);
    // Once the old secret has expired it no longer signs.
    const later = serviceHeaders([{ secret: SECRET, expiresAt: NOW_MS - 1 }, { secret: NEXT }]);
    expect(packageAccepts(SECRET, BODY, later)).toBe(false);
    expect(packageAccepts(NEXT, BODY, later)).toBe(true);
  });
});

describe('verifyStandardWebhook() decides like the reference verifier', () => {
  const signed = serviceHeaders([{ secret: SECRET }]);
  const sig = signed['webhook-signature']!;
  const at = (seconds: number) => serviceHeaders([{ secret: SECRET }], seconds * 1000);
  const without = (name: string) => Object.fromEntries(Object.entries(signed).filter(([k]) => k !== name));

  const cases: {
    name: string;
    headers: Record<string, string>;
    body?: string;
    secret?: string;
    accept: boolean;
  }[] = [
    { name: 'valid', headers: signed, accept: true },
    { name: 'tampered body', headers: signed, body: BODY.replace('1', '2'), accept: false },
    { name: 'wrong secret', headers: signed, secret: STRANGER, accept: false },
    { name: 'secret without the whsec_ prefix', headers: signed, secret: SECRET.slice(6), accept: true },
    { name: 'timestamp 301 s old', headers: at(T - 301), accept: false },
    { name: 'timestamp 300 s old', headers: at(T - 300), accept: true },
    { name: 'timestamp 299 s old', headers: at(T - 299), accept: true },
    { name: 'timestamp 300 s in the future', headers: at(T + 300), accept: true },
    { name: 'timestamp 301 s in the future', headers: at(T + 301), accept: false },
    { name: 'no webhook-id', headers: without('webhook-id'), accept: false },
    { name: 'no webhook-timestamp', headers: without('webhook-timestamp'), accept: false },
    { name: 'no webhook-signature', headers: without('webhook-signature'), accept: false },
    { name: 'empty webhook-signature', headers: { ...signed, 'webhook-signature': '' }, accept: false },
    { name: 'timestamp not a number', headers: { ...signed, 'webhook-timestamp': 'abc' }, accept: false },
    {
      name: 'headers in another case',
      headers: Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v])),
      accept: true,
    },
    {
      name: 'two signatures, the second valid',
      headers: { ...signed, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${sig}` },
      accept: true,
    },
    {
      name: 'two signatures, the first valid',
      headers: { ...signed, 'webhook-signature': `${sig} v1,${Buffer.alloc(32).toString('base64')}` },
      accept: true,
    },
    {
      name: 'the right signature under another version',
      headers: { ...signed, 'webhook-signature': sig.replace('v1,', 'v2,') },
      accept: false,
    },
    {
      name: 'the right signature with an uppercase version',
      headers: { ...signed, 'webhook-signature': sig.replace('v1,', 'V1,') },
      accept: false,
    },
    {
      name: 'signature without a version',
      headers: { ...signed, 'webhook-signature': sig.slice(3) },
      accept: false,
    },
    {
      name: 'signature cut short',
      headers: { ...signed, 'webhook-signature': sig.slice(0, -2) },
      accept: false,
    },
    { name: 'secret that is not base64', headers: signed, secret: 'whsec_not*base64!', accept: false },
  ];

  it.each(cases)('$name', ({ headers, body = BODY, secret = SECRET, accept }) => {
    expect(packageAccepts(secret, body, headers)).toBe(accept);
    expect(oursAccepts(secret, body, headers)).toBe(accept);
  });

  it('never throws on malformed input', () => {
    // As a JavaScript caller (or an `any`) could call it.
    const untypedVerify = verifyStandardWebhook as (...args: unknown[]) => boolean;
    const bad: unknown[][] = [
      [BODY, {}, SECRET],
      [BODY, null, SECRET],
      [BODY, signed, ''],
      [BODY, signed, 'whsec_'],
      [BODY, signed, undefined],
      [undefined, signed, SECRET],
      [BODY, { ...signed, 'webhook-signature': ['a', 'b'] }, SECRET],
      [BODY, { ...signed, 'webhook-timestamp': '9'.repeat(400) }, SECRET],
    ];
    for (const [body, headers, secret] of bad) {
      const call = () => untypedVerify(body, headers, secret, { now: () => NOW_MS });
      expect(call).not.toThrow();
      expect(call()).toBe(false);
    }
  });

  it('accepts a Fetch Headers and a random secret of any allowed size', () => {
    for (const size of [24, 32, 64]) {
      const secret = `whsec_${randomBytes(size).toString('base64')}`;
      const headers = serviceHeaders([{ secret }]);
      expect(verifyStandardWebhook(BODY, new Headers(headers), secret, { now: () => NOW_MS })).toBe(true);
      expect(packageAccepts(secret, BODY, headers)).toBe(true);
    }
  });

  describe('deliberate differences from the reference verifier', () => {
    it('a timestamp with trailing characters: parseInt accepts it, we refuse', () => {
      const headers = { ...signed, 'webhook-timestamp': `${T}abc` };
      expect(packageAccepts(SECRET, BODY, headers)).toBe(true);
      expect(oursAccepts(SECRET, BODY, headers)).toBe(false);
    });

    it('a body that is not JSON: the package throws after the signature matched, we accept', () => {
      const text = 'plain text, not JSON';
      const headers = serviceHeaders([{ secret: SECRET }], NOW_MS, text);
      expect(() => new Webhook(SECRET).verify(text, headers)).toThrow(SyntaxError);
      expect(new Webhook(SECRET).verify(text, headers, { jsonParse: false })).toBeUndefined();
      expect(oursAccepts(SECRET, text, headers)).toBe(true);
    });
  });
});
