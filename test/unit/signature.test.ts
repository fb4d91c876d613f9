import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { activeSecrets, deliveryHeaders, redactSignature } from '../../lambdas/domain/signing';
import { hmacHex, signatureHeaderValue } from '../../lambdas/domain/signing/yumkiosk';

// Vectors computed independently of our code, with Python's hmac module:
//   python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
const VECTOR_TEST = '38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789';
//   python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_old",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
const VECTOR_OLD = 'b9d801502bb535e960ee9aeee7a294b082bda5089d79c7db610b85116ce6faa6';
//   python3 -c 'import hmac,hashlib;print(hmac.new("sécret_☕".encode(),
//     "1700000000.{\"name\":\"Crème brûlée 🍮\"}".encode(),hashlib.sha256).hexdigest())'
const VECTOR_UTF8 = 'fb2f64b443084b82690e234a9b51530fed34386f82472e079c689baa82ad47b8';

const T = 1_700_000_000;
const BODY = '{"a":1}';

describe('hmacHex and signatureHeaderValue', () => {
  it('matches an HMAC-SHA256 vector computed with Python over "<t>.<body>"', () => {
    expect(hmacHex('whsec_test', T, BODY)).toBe(VECTOR_TEST);
    expect(signatureHeaderValue(['whsec_test'], T, BODY)).toBe(`t=${T},v1=${VECTOR_TEST}`);
  });

  it('signs the UTF-8 bytes of a non-ASCII secret and body', () => {
    expect(hmacHex('sécret_☕', T, '{"name":"Crème brûlée 🍮"}')).toBe(VECTOR_UTF8);
  });

  it('writes one v1 per secret, in the order given', () => {
    expect(signatureHeaderValue(['whsec_old', 'whsec_test'], T, BODY)).toBe(
      `t=${T},v1=${VECTOR_OLD},v1=${VECTOR_TEST}`,
    );
    expect(signatureHeaderValue(['whsec_test', 'whsec_old'], T, BODY)).toBe(
      `t=${T},v1=${VECTOR_TEST},v1=${VECTOR_OLD}`,
    );
  });

  it('refuses to sign with no secret', () => {
    expect(() => signatureHeaderValue([], T, BODY)).toThrow(/at least one signing secret/);
  });
});

describe('activeSecrets', () => {
  const now = 1_000_000;

  it('drops secrets whose expiry has passed (expiry at exactly now counts as passed)', () => {
    expect(
      activeSecrets(
        [
          { secret: 'current' },
          { secret: 'expired', expiresAt: now - 1 },
          { secret: 'edge', expiresAt: now },
        ],
        now,
      ),
    ).toEqual(['current']);
  });

  it('puts still-valid expiring secrets first, soonest expiry first, and the current secret last', () => {
    expect(
      activeSecrets(
        [
          { secret: 'current' },
          { secret: 'later', expiresAt: now + 2000 },
          { secret: 'sooner', expiresAt: now + 1000 },
        ],
        now,
      ),
    ).toEqual(['sooner', 'later', 'current']);
  });
});

describe('deliveryHeaders', () => {
  const now = T * 1000 + 999; // the signature timestamp is whole seconds, rounded down

  it('sends exactly the five documented headers, signed at now in seconds', () => {
    const headers = deliveryHeaders({
      brand: 'YumKiosk',
      body: BODY,
      eventType: 'order.created',
      deliveryId: 'dlv_1',
      secrets: [{ secret: 'whsec_test' }],
      now,
    });
    expect(headers).toEqual({
      'Content-Type': 'application/json',
      'YumKiosk-Signature': `t=${T},v1=${VECTOR_TEST}`,
      'YumKiosk-Event': 'order.created',
      'YumKiosk-Delivery': 'dlv_1',
      'User-Agent': 'YumKiosk-Webhook/1.0',
    });
  });

  it('signs with every active secret during a rotation, the current one last', () => {
    const headers = deliveryHeaders({
      brand: 'YumKiosk',
      body: BODY,
      eventType: 'order.created',
      deliveryId: 'dlv_1',
      secrets: [{ secret: 'whsec_test' }, { secret: 'whsec_old', expiresAt: now + 60_000 }],
      now,
    });
    expect(headers['YumKiosk-Signature']).toBe(`t=${T},v1=${VECTOR_OLD},v1=${VECTOR_TEST}`);
  });

  it('takes the brand in header names and User-Agent from configuration', () => {
    const headers = deliveryHeaders({
      brand: 'Acme',
      body: BODY,
      eventType: 'kiosk.paired',
      deliveryId: 'dlv_2',
      secrets: [{ secret: 'whsec_test' }],
      now,
    });
    expect(Object.keys(headers).sort()).toEqual(
      ['Acme-Delivery', 'Acme-Event', 'Acme-Signature', 'Content-Type', 'User-Agent'].sort(),
    );
    expect(headers['Acme-Signature']).toBe(`t=${T},v1=${VECTOR_TEST}`);
    expect(headers['User-Agent']).toBe('Acme-Webhook/1.0');
  });
});

describe('redactSignature', () => {
  it('masks every v1 hex value and keeps the timestamp and other headers', () => {
    const headers = {
      'Content-Type': 'application/json',
      'YumKiosk-Signature': `t=${T},v1=${VECTOR_OLD},v1=${VECTOR_TEST}`,
      'YumKiosk-Delivery': 'dlv_1',
    };
    const redacted = redactSignature(headers, 'YumKiosk');
    expect(redacted).toEqual({ ...headers, 'YumKiosk-Signature': `t=${T},v1=…,v1=…` });
    expect(JSON.stringify(redacted)).not.toMatch(/[0-9a-f]{64}/);
    expect(headers['YumKiosk-Signature']).toContain(VECTOR_TEST); // the input is not changed
  });

  it('leaves headers without a signature of that brand as they are', () => {
    const headers = { 'Acme-Signature': `t=${T},v1=${VECTOR_TEST}` };
    expect(redactSignature(headers, 'YumKiosk')).toEqual(headers);
  });
});

describe("the YumKiosk page's Python verify() accepts what we send", () => {
  const script = fileURLToPath(new URL('../fixtures/yumkiosk_verify.py', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'yk-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function pythonVerify(body: string, header: string, secret: string): string {
    const file = join(dir, 'payload.json');
    writeFileSync(file, body, 'utf8');
    return execFileSync('python3', [script, file, header, secret], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONUTF8: '1' },
    }).trim();
  }

  // Signed at the real time: verify() rejects timestamps more than 300 s from time.time().
  const body = '{"id":"evt_1","event":"order.created","data":{"item":"Crème brûlée 🍮"}}';
  const sign = (secrets: { secret: string; expiresAt?: number }[]) =>
    deliveryHeaders({
      brand: 'YumKiosk',
      body,
      eventType: 'order.created',
      deliveryId: 'dlv_1',
      secrets,
      now: Date.now(),
    })['YumKiosk-Signature']!;

  it('prints True for our header and body, and False when the body is tampered with', () => {
    const header = sign([{ secret: 'whsec_sécret' }]);
    expect(pythonVerify(body, header, 'whsec_sécret')).toBe('True');
    expect(pythonVerify(body.replace('🍮', '🍰'), header, 'whsec_sécret')).toBe('False');
    expect(pythonVerify(body, header, 'whsec_other')).toBe('False');
  });

  it('verifies a rotation header with the current secret, because it reads only the last v1', () => {
    const header = sign([
      { secret: 'whsec_new' },
      { secret: 'whsec_old', expiresAt: Date.now() + 3_600_000 },
    ]);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(pythonVerify(body, header, 'whsec_new')).toBe('True');
  });
});
