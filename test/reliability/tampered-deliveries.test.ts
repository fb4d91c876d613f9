/**
 * Tampered deliveries against the receiver helpers (clients/receiver.ts): real signed requests captured
 * from the local runtime, then changed the ways an attacker or a broken proxy would change them. `verify()`
 * (YumKiosk scheme) and `verifyStandardWebhook()` (SIGNATURE_SCHEME=standard-webhooks) must accept the
 * untouched request and reject every tampered one: changed body, old or future timestamp (even correctly
 * re-signed), wrong secret, missing, empty, doubled or malformed headers, headers of another delivery.
 *
 * RELIABILITY_SCALE=full runs each property 2000 times; otherwise 200 (pure computation, milliseconds).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeaderSource, type RawBody, verify, verifyStandardWebhook } from '../../clients/receiver';
import type { Runtime } from '../../local/runtime';
import { type ReceivedRequest, type Receiver, startReceiver } from '../support/receiver';
import { apiClient, startTestRuntime } from '../support/runtime';

const FULL = process.env.RELIABILITY_SCALE === 'full';
const RUNS = FULL ? 2000 : 200;
/** Verifications run, reported at the end for docs/reliability.md. */
const tally = { verifications: 0 };

/** Unicode in the data, so byte-level and normalization changes are possible. */
const DATA = { item: 'Crème brûlée ☕', note: 'naïve café', total: 1250 };

type HeaderMap = Record<string, string | string[] | undefined>;

/** The headers without `name` (any case), plus `name: value` unless value is undefined. */
function withHeader(
  headers: IncomingHttpHeaders | HeaderMap,
  name: string,
  value?: string | string[],
): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== name.toLowerCase()) out[k] = v;
  if (value !== undefined) out[name] = value;
  return out;
}

const fetchHeaders = (headers: IncomingHttpHeaders): globalThis.Headers => {
  const out = new globalThis.Headers();
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out.set(k, v);
  return out;
};

/** Byte-level changes of a body that leave it "the same JSON" or nearly. */
function bodyTamperings(raw: Buffer): [string, Buffer | string][] {
  const text = raw.toString('utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const flip = (i: number) => {
    const copy = Buffer.from(raw);
    copy[i] = copy[i]! ^ 0x01;
    return copy;
  };
  const reordered = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
  const escaped = text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const tamperings: [string, Buffer | string][] = [
    ['first byte changed', flip(0)],
    ['a middle byte changed', flip(Math.floor(raw.length / 2))],
    ['last byte changed', flip(raw.length - 1)],
    ['amount changed', text.replace('1250', '1251')],
    ['a newline appended', `${text}\n`],
    ['a space appended', `${text} `],
    ['a space prepended', ` ${text}`],
    ['last byte removed', raw.subarray(0, raw.length - 1)],
    ['a NUL byte appended', Buffer.concat([raw, Buffer.from([0])])],
    ['re-serialized pretty', JSON.stringify(parsed, null, 2)],
    ['re-serialized with keys reordered', reordered],
    ['re-serialized with \\u escapes', escaped],
    ['unicode normalized to NFD', text.normalize('NFD')],
    ['read as latin1 and re-encoded', Buffer.from(raw.toString('latin1'), 'utf8')],
    ['empty', ''],
  ];
  // Each must really differ from what was signed, else the row tests nothing.
  for (const [name, body] of tamperings) expect(Buffer.from(body).equals(raw), name).toBe(false);
  return tamperings;
}

/** A single byte changed (xor with 1..255) at `index`. */
const mutateByte = (raw: Buffer, index: number, xor: number) => {
  const copy = Buffer.from(raw);
  const i = index % copy.length;
  copy[i] = copy[i]! ^ xor;
  return copy;
};

/** Printable ASCII other than `not`. */
const otherChar = (not: string) =>
  fc
    .integer({ min: 0x20, max: 0x7e })
    .map((c) => String.fromCharCode(c))
    .filter((c) => c !== not);

async function capture(env: Record<string, string>) {
  const receiver = await startReceiver();
  const runtime = await startTestRuntime({ env });
  const api = apiClient(runtime.url);
  const created = await api.createEndpoint({
    tenantId: 'tamper',
    url: `${receiver.url}/hooks`,
    events: ['*'],
  });
  expect(created.status).toBe(201);
  for (const n of [1, 2]) {
    const published = await api.publish({ tenantId: 'tamper', type: 'order.created', data: { ...DATA, n } });
    expect(published.status).toBe(202);
  }
  // One sequential endpoint: deliveries arrive in publish order.
  const [first, second] = await receiver.waitFor(2);
  return { receiver, runtime, secret: created.body.secret as string, first: first!, second: second! };
}

// ---------------------------------------------------------------------------------------------------

describe('tampered deliveries, YumKiosk scheme: verify()', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let secret: string;
  let first: ReceivedRequest;
  let second: ReceivedRequest;
  let t: number;
  let header: string;
  /** The clock at the moment the request was signed. */
  let now: () => number;

  const sign = (key: string, timestamp: number, body: Buffer | string) =>
    createHmac('sha256', Buffer.from(key, 'utf8')).update(`${timestamp}.`).update(body).digest('hex');
  const check = (body: RawBody, headers: HeaderSource, key = secret, clock = now) => {
    tally.verifications++;
    return verify(body, headers, key, { now: clock });
  };
  const withSignature = (value?: string | string[]) => withHeader(first.headers, 'YumKiosk-Signature', value);

  beforeAll(async () => {
    ({ runtime, receiver, secret, first, second } = await capture({}));
    header = first.headers['yumkiosk-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    t = Number(/^t=(\d+)/.exec(header)![1]);
    now = () => t * 1000;
  }, 60_000);
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('accepts the untouched request, as bytes, as a string, with Fetch headers and with the real clock', () => {
    expect(check(first.rawBody, first.headers)).toBe(true);
    expect(check(first.body, first.headers)).toBe(true);
    expect(check(new Uint8Array(first.rawBody), first.headers)).toBe(true);
    expect(check(first.rawBody, fetchHeaders(first.headers))).toBe(true);
    expect(check(first.rawBody, { 'YumKiosk-Signature': header })).toBe(true);
    expect(verify(first.rawBody, first.headers, secret)).toBe(true);
    expect(check(second.rawBody, second.headers)).toBe(true);
  });

  it('rejects every change of the body: one byte, whitespace, re-serialized JSON, normalization, empty', () => {
    for (const [name, body] of bodyTamperings(first.rawBody))
      expect(check(body, first.headers), name).toBe(false);
    expect(check(second.rawBody, first.headers), "another delivery's body").toBe(false);
  });

  it('rejects a timestamp outside 300 s even when re-signed with the right secret; accepts 299 s', () => {
    const resigned = (timestamp: number) =>
      withSignature(`t=${timestamp},v1=${sign(secret, timestamp, first.rawBody)}`);
    expect(check(first.rawBody, resigned(t - 299)), '299 s old').toBe(true);
    expect(check(first.rawBody, resigned(t - 300)), '300 s old').toBe(true);
    expect(check(first.rawBody, resigned(t - 301)), '301 s old').toBe(false);
    expect(check(first.rawBody, resigned(t - 3600)), 'an hour old').toBe(false);
    expect(check(first.rawBody, resigned(0)), 'the epoch').toBe(false);
    expect(check(first.rawBody, resigned(t + 301)), '301 s in the future').toBe(false);
    expect(check(first.rawBody, resigned(t + 86_400)), 'a day in the future').toBe(false);
    // The untouched request, received too late or with the receiver's clock far behind.
    expect(
      check(first.rawBody, first.headers, secret, () => (t + 301) * 1000),
      'replayed after 301 s',
    ).toBe(false);
    expect(
      check(first.rawBody, first.headers, secret, () => (t - 301) * 1000),
      'clock 301 s behind',
    ).toBe(false);
    expect(
      check(first.rawBody, first.headers, secret, () => Number.NaN),
      'a broken clock',
    ).toBe(false);
    // A new timestamp with the old signature: the timestamp is signed.
    expect(check(first.rawBody, withSignature(header.replace(`t=${t}`, `t=${t + 1}`)))).toBe(false);
  });

  it('rejects a wrong secret', () => {
    const wrong: [string, string][] = [
      ['another generated secret', `whsec_${randomBytes(32).toString('base64')}`],
      ['one character changed', `${secret.slice(0, -2)}${secret.at(-2) === 'A' ? 'B' : 'A'}${secret.at(-1)}`],
      ['a trailing space', `${secret} `],
      ['without the whsec_ prefix', secret.slice('whsec_'.length)],
      ['the base64-decoded key', Buffer.from(secret.slice('whsec_'.length), 'base64').toString('latin1')],
      ['empty', ''],
    ];
    for (const [name, key] of wrong) expect(check(first.rawBody, first.headers, key), name).toBe(false);
  });

  it('rejects a missing, empty, doubled or foreign-brand signature header', () => {
    expect(check(first.rawBody, withSignature()), 'missing').toBe(false);
    expect(check(first.rawBody, {}), 'no headers at all').toBe(false);
    expect(check(first.rawBody, withSignature('')), 'empty').toBe(false);
    expect(check(first.rawBody, withSignature([header, header])), 'doubled (array)').toBe(false);
    expect(check(first.rawBody, withSignature([header])), 'array of one').toBe(true);
    expect(
      check(first.rawBody, { 'YumKiosk-Signature': header, 'yumkiosk-signature': header }),
      'twice, in two cases',
    ).toBe(false);
    expect(check(first.rawBody, { 'Other-Signature': header }), "another brand's header").toBe(false);
    expect(
      verify(first.rawBody, first.headers, secret, { now, brand: 'Other' }),
      'verifying another brand',
    ).toBe(false);
  });

  it('rejects malformed headers; key order and unknown keys do not matter', () => {
    const v1 = header.split(',v1=')[1]!;
    const malformed: [string, string][] = [
      ['no t', `v1=${v1}`],
      ['no v1', `t=${t}`],
      ['t not a number', `t=abc,v1=${v1}`],
      ['t empty', `t=,v1=${v1}`],
      ['t with a sign', `t=+${t},v1=${v1}`],
      ['t with a space', `t= ${t},v1=${v1}`],
      ['t with a fraction', `t=${t}.0,v1=${v1}`],
      ['t in exponent form', `t=${t / 1e9}e9,v1=${v1}`],
      ['t twice', `t=${t},t=${t},v1=${v1}`],
      ['v1 not hex', `t=${t},v1=${'z'.repeat(64)}`],
      ['v1 in uppercase hex', `t=${t},v1=${v1.toUpperCase()}`],
      ['v1 truncated', `t=${t},v1=${v1.slice(0, 63)}`],
      ['v1 one hex digit longer', `t=${t},v1=${v1}0`],
      ['v1 empty', `t=${t},v1=`],
      ['v1 in base64', `t=${t},v1=${Buffer.from(v1, 'hex').toString('base64')}`],
      ['v1 beside a non-hex v1', `t=${t},v1=${v1},v1=xyz`],
      ['v0 only', `t=${t},v0=${v1}`],
      ['semicolons', `t=${t};v1=${v1}`],
      ['a space after the comma', `t=${t}, v1=${v1}`],
      ['a part without =', `t=${t},v1=${v1},junk`],
      [
        'v1 of the body alone (no timestamp prefix)',
        `t=${t},v1=${createHmac('sha256', secret).update(first.rawBody).digest('hex')}`,
      ],
      [
        'v1 over "<t><body>" (no dot)',
        `t=${t},v1=${createHmac('sha256', secret).update(`${t}`).update(first.rawBody).digest('hex')}`,
      ],
      ['garbage', '\u0000\u0001\u0002'],
    ];
    for (const [name, value] of malformed)
      expect(check(first.rawBody, withSignature(value)), name).toBe(false);
    // Decided: the header is a set of key=value pairs, as Stripe's; order and unknown keys are irrelevant.
    expect(check(first.rawBody, withSignature(`v1=${v1},t=${t}`)), 'v1 before t').toBe(true);
    expect(check(first.rawBody, withSignature(`t=${t},v0=abc,v1=${v1}`)), 'an unknown scheme beside').toBe(
      true,
    );
    // Several v1 (rotation): one right one is enough.
    expect(check(first.rawBody, withSignature(`t=${t},v1=${'0'.repeat(64)},v1=${v1}`)), 'rotation').toBe(
      true,
    );
  });

  it("rejects the headers of a different delivery on this one's body, and this one's on another's", () => {
    expect(check(first.rawBody, withSignature(second.headers['yumkiosk-signature'] as string))).toBe(false);
    expect(check(second.rawBody, first.headers)).toBe(false);
    expect(check(first.rawBody, second.headers)).toBe(false);
  });

  it('does not cover the YumKiosk-Delivery header: a swapped delivery id still verifies (a limit of the scheme)', () => {
    // Documented here so a change of the scheme is a visible decision: only `t` and the body are signed.
    // Receivers that deduplicate must use the signed body's `id`; Standard Webhooks signs its `webhook-id`.
    const swapped = withHeader(
      first.headers,
      'YumKiosk-Delivery',
      second.headers['yumkiosk-delivery'] as string,
    );
    expect(check(first.rawBody, swapped)).toBe(true);
  });

  it('property: any single-byte change of the body is rejected', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (index, xor) => {
        expect(check(mutateByte(first.rawBody, index, xor), first.headers)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any insertion or deletion of bytes is rejected', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 4 }),
        (index, deleteCount, insert) => {
          const i = index % (first.rawBody.length + 1);
          const body = Buffer.concat([
            first.rawBody.subarray(0, i),
            insert,
            first.rawBody.subarray(i + deleteCount),
          ]);
          fc.pre(!body.equals(first.rawBody));
          expect(check(body, first.headers)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: any single-character change of the signature header is rejected', () => {
    fc.assert(
      fc.property(
        fc.nat().chain((n) => {
          const i = n % header.length;
          return otherChar(header[i]!).map((c) => `${header.slice(0, i)}${c}${header.slice(i + 1)}`);
        }),
        (tampered) => {
          expect(check(first.rawBody, withSignature(tampered))).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: a correctly re-signed timestamp is accepted exactly when within 300 s of the clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), (offset) => {
        const timestamp = t + offset;
        const signed = withSignature(`t=${timestamp},v1=${sign(secret, timestamp, first.rawBody)}`);
        expect(check(first.rawBody, signed)).toBe(Math.abs(offset) <= 300);
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any other secret is rejected', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (key) => {
        fc.pre(key !== secret);
        expect(check(first.rawBody, first.headers, key)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------

describe('tampered deliveries, Standard Webhooks scheme: verifyStandardWebhook()', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let secret: string;
  let first: ReceivedRequest;
  let second: ReceivedRequest;
  let t: number;
  let id: string;
  let signature: string;
  let now: () => number;

  const sign = (key: string, msgId: string, timestamp: number, body: Buffer | string) =>
    `v1,${createHmac('sha256', Buffer.from(key.replace(/^whsec_/, ''), 'base64'))
      .update(`${msgId}.${timestamp}.`)
      .update(body)
      .digest('base64')}`;
  const check = (body: RawBody, headers: HeaderSource, key = secret, clock = now) => {
    tally.verifications++;
    return verifyStandardWebhook(body, headers, key, { now: clock });
  };
  const withOne = (name: string, value?: string | string[]) => withHeader(first.headers, name, value);

  beforeAll(async () => {
    ({ runtime, receiver, secret, first, second } = await capture({ SIGNATURE_SCHEME: 'standard-webhooks' }));
    id = first.headers['webhook-id'] as string;
    t = Number(first.headers['webhook-timestamp']);
    signature = first.headers['webhook-signature'] as string;
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(first.headers['yumkiosk-signature']).toBeUndefined();
    now = () => t * 1000;
  }, 60_000);
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('accepts the untouched request, as bytes, as a string, with Fetch headers and with the real clock', () => {
    expect(check(first.rawBody, first.headers)).toBe(true);
    expect(check(first.body, first.headers)).toBe(true);
    expect(check(first.rawBody, fetchHeaders(first.headers))).toBe(true);
    expect(verifyStandardWebhook(first.rawBody, first.headers, secret)).toBe(true);
    expect(check(second.rawBody, second.headers)).toBe(true);
    // The reference verifier also takes the key without its prefix.
    expect(check(first.rawBody, first.headers, secret.slice('whsec_'.length))).toBe(true);
  });

  it('rejects every change of the body: one byte, whitespace, re-serialized JSON, normalization, empty', () => {
    for (const [name, body] of bodyTamperings(first.rawBody))
      expect(check(body, first.headers), name).toBe(false);
    expect(check(second.rawBody, first.headers), "another delivery's body").toBe(false);
  });

  it('rejects a timestamp outside 300 s even when re-signed with the right secret; accepts 299 s', () => {
    const resigned = (timestamp: number) => ({
      ...withOne('webhook-timestamp', String(timestamp)),
      'webhook-signature': sign(secret, id, timestamp, first.rawBody),
    });
    expect(check(first.rawBody, resigned(t - 299)), '299 s old').toBe(true);
    expect(check(first.rawBody, resigned(t - 300)), '300 s old').toBe(true);
    expect(check(first.rawBody, resigned(t - 301)), '301 s old').toBe(false);
    expect(check(first.rawBody, resigned(t - 3600)), 'an hour old').toBe(false);
    expect(check(first.rawBody, resigned(t + 301)), '301 s in the future').toBe(false);
    expect(
      check(first.rawBody, first.headers, secret, () => (t + 301) * 1000),
      'replayed after 301 s',
    ).toBe(false);
    expect(
      check(first.rawBody, first.headers, secret, () => Number.NaN),
      'a broken clock',
    ).toBe(false);
    expect(check(first.rawBody, withOne('webhook-timestamp', String(t + 1))), 'a new timestamp').toBe(false);
  });

  it('rejects a wrong secret', () => {
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const raw = Buffer.from(secret.slice('whsec_'.length), 'base64');
    raw[0] = raw[0]! ^ 1;
    const wrong: [string, string][] = [
      ['another generated secret', other],
      ['one key bit flipped', `whsec_${raw.toString('base64')}`],
      ['a shorter key', `whsec_${Buffer.from(secret.slice(6), 'base64').subarray(0, 24).toString('base64')}`],
      ['not base64', 'whsec_!!!!'],
      ['the prefix alone', 'whsec_'],
      ['empty', ''],
    ];
    for (const [name, key] of wrong) expect(check(first.rawBody, first.headers, key), name).toBe(false);
  });

  it('rejects each header missing, empty or doubled', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const value = first.headers[name] as string;
      expect(check(first.rawBody, withOne(name)), `${name} missing`).toBe(false);
      expect(check(first.rawBody, withOne(name, '')), `${name} empty`).toBe(false);
      expect(check(first.rawBody, withOne(name, [value, value])), `${name} doubled`).toBe(false);
      expect(
        check(first.rawBody, { ...first.headers, [name.toUpperCase()]: value }),
        `${name} twice, two cases`,
      ).toBe(false);
    }
    expect(check(first.rawBody, {}), 'no headers at all').toBe(false);
  });

  it('rejects malformed headers', () => {
    const b64 = signature.slice(3);
    const malformedSignature: [string, string][] = [
      ['no version', b64],
      ['v2', `v2,${b64}`],
      ['uppercase V1', `V1,${b64}`],
      ['a space instead of the comma', `v1 ${b64}`],
      ['truncated', `v1,${b64.slice(0, -4)}`],
      ['one character changed', `v1,${b64[0] === 'A' ? 'B' : 'A'}${b64.slice(1)}`],
      ['in hex', `v1,${Buffer.from(b64, 'base64').toString('hex')}`],
      ['in base64url', `v1,${Buffer.from(b64, 'base64').toString('base64url')}`],
      ['two joined by a comma', `v1,${b64},v1,${b64}`],
      ['empty after the version', 'v1,'],
    ];
    for (const [name, value] of malformedSignature)
      expect(check(first.rawBody, withOne('webhook-signature', value)), name).toBe(false);
    const malformedTimestamp = ['abc', `${t}.0`, `+${t}`, ` ${t}`, `-${t}`, `${t / 1e9}e9`, '1'.repeat(16)];
    for (const value of malformedTimestamp)
      expect(check(first.rawBody, withOne('webhook-timestamp', value)), `timestamp ${value}`).toBe(false);
    // Several signatures separated by spaces (rotation): one right one is enough.
    expect(check(first.rawBody, withOne('webhook-signature', `v1,${'A'.repeat(43)}= ${signature}`))).toBe(
      true,
    );
  });

  it("rejects another delivery's id, timestamp or signature on this body", () => {
    const other = second.headers;
    expect(check(first.rawBody, withOne('webhook-id', other['webhook-id'] as string)), 'id').toBe(false);
    expect(
      check(first.rawBody, withOne('webhook-signature', other['webhook-signature'] as string)),
      'sig',
    ).toBe(false);
    expect(check(first.rawBody, other), 'all its headers').toBe(false);
    expect(check(second.rawBody, first.headers), 'its body with these headers').toBe(false);
    // Any other id, correctly re-signed, is a different message: fine; the same signature with it is not.
    expect(check(first.rawBody, withOne('webhook-id', `${id}x`))).toBe(false);
  });

  it('neither verifier accepts the other scheme', () => {
    expect(verify(first.rawBody, first.headers, secret, { now })).toBe(false);
  });

  it('property: any single-byte change of the body is rejected', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (index, xor) => {
        expect(check(mutateByte(first.rawBody, index, xor), first.headers)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any single-character change of webhook-id, webhook-timestamp or webhook-signature is rejected', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature').chain((name) => {
          const value = first.headers[name] as string;
          return fc.nat().chain((n) => {
            const i = n % value.length;
            return otherChar(value[i]!).map((c) => ({
              name,
              value: `${value.slice(0, i)}${c}${value.slice(i + 1)}`,
            }));
          });
        }),
        ({ name, value }) => {
          expect(check(first.rawBody, withOne(name, value))).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: a correctly re-signed timestamp is accepted exactly when within 300 s of the clock', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), (offset) => {
        const timestamp = t + offset;
        const headers = {
          ...withOne('webhook-timestamp', String(timestamp)),
          'webhook-signature': sign(secret, id, timestamp, first.rawBody),
        };
        expect(check(first.rawBody, headers)).toBe(Math.abs(offset) <= 300);
      }),
      { numRuns: RUNS },
    );
  });

  it('property: any other whsec_ key is rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const key = `whsec_${Buffer.from(bytes).toString('base64')}`;
        fc.pre(key !== secret);
        expect(check(first.rawBody, first.headers, key)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

afterAll(() => {
  console.info(
    `tampered deliveries: ${tally.verifications} verifications (fast-check runs per property: ${RUNS})`,
  );
});
