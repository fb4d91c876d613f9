/**
 * clients/receiver.ts `verify()` against the Python `verify()` published on the YumKiosk webhooks page
 * (test/fixtures/yumkiosk_verify.py, the function copied verbatim), on the same inputs and the same clock.
 *
 * Where the two decide differently it is on purpose, and each difference has its own test below:
 * - several `v1=`: Python's dict keeps only the last one, we accept any (the rotation grace period);
 * - Python raises (KeyError, ValueError, UnicodeDecodeError) on malformed input where we return false;
 * - Python's `int()` accepts `t=+123`, `t= 123`, `t=1_2_3`; a repeated `t=` keeps the last; we reject both;
 * - a body that is not UTF-8: Python raises, we sign the bytes;
 * - an empty secret: Python verifies with an empty key, we refuse.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verify } from '../../clients/receiver';
import { signatureHeaderValue } from '../../lambdas/domain/signing/yumkiosk';

const SCRIPT = join(import.meta.dirname, '../fixtures/yumkiosk_verify.py');
/** The interpreter behind `python3`, resolved once: version-manager shims cost ~0.3 s per call. */
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).trim();
const work = mkdtempSync(join(tmpdir(), 'clients-receiver-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Half a second past a whole second, so "n seconds old" is n.5 seconds for both sides. */
const NOW_MS = 1_767_225_600_500;
const T = Math.floor(NOW_MS / 1000);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_Zx0Y2l0aGVyLXNlY3JldC1mb3ItdGVzdHM';
const BODY = '{"id":"evt_1","type":"order.created","data":{"item":"Crème brûlée ☕","qty":2}}';

/** The signature as the service computes it, with its own code. */
const v1 = (secret: string, t: number, body: string | Buffer) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

type PythonOutcome = 'True' | 'False' | `raised ${string}`;

let files = 0;
function python(body: string | Buffer, header: string, secret: string, nowMs = NOW_MS): PythonOutcome {
  const file = join(work, `payload-${files++}`);
  writeFileSync(file, body);
  return execFileSync(PYTHON, [SCRIPT, file, header, secret, String(nowMs / 1000)], {
    encoding: 'utf8',
  }).trim() as PythonOutcome;
}
const ours = (body: string | Buffer, header: string, secret: string, nowMs = NOW_MS) =>
  verify(body, { 'YumKiosk-Signature': header }, secret, { now: () => nowMs });
/** A receiver running the page's code accepts only on True; a raise ends the request with a 5xx. */
const accepts = (outcome: PythonOutcome) => outcome === 'True';

interface Case {
  readonly name: string;
  readonly header: string;
  readonly body?: string;
  readonly secret?: string;
  readonly accept: boolean;
  /** What the page's code does exactly (raising counts as not accepting). */
  readonly python: PythonOutcome;
}

const AGREED: readonly Case[] = [
  { name: 'valid', header: signatureHeaderValue([SECRET], T, BODY), accept: true, python: 'True' },
  {
    name: 'tampered body',
    header: signatureHeaderValue([SECRET], T, BODY),
    body: BODY.replace('"qty":2', '"qty":20'),
    accept: false,
    python: 'False',
  },
  { name: 'wrong secret', header: signatureHeaderValue([OTHER], T, BODY), accept: false, python: 'False' },
  {
    name: 'timestamp 301 s old',
    header: signatureHeaderValue([SECRET], T - 301, BODY),
    accept: false,
    python: 'False',
  },
  {
    name: 'timestamp 299 s old',
    header: signatureHeaderValue([SECRET], T - 299, BODY),
    accept: true,
    python: 'True',
  },
  {
    name: 'timestamp 301 s in the future',
    header: signatureHeaderValue([SECRET], T + 301, BODY),
    accept: false,
    python: 'False',
  },
  {
    name: 'timestamp 299 s in the future',
    header: signatureHeaderValue([SECRET], T + 299, BODY),
    accept: true,
    python: 'True',
  },
  { name: 'missing v1', header: `t=${T}`, accept: false, python: 'raised KeyError' },
  {
    name: 'two v1, the second valid (rotation, receiver on the new secret)',
    header: signatureHeaderValue([OTHER, SECRET], T, BODY),
    accept: true,
    python: 'True',
  },
  { name: 'empty header', header: '', accept: false, python: 'raised ValueError' },
  { name: 't=abc,v1=zz', header: 't=abc,v1=zz', accept: false, python: 'raised ValueError' },
  { name: 'only v1=', header: 'v1=', accept: false, python: 'raised KeyError' },
  { name: 'no t', header: `v1=${v1(SECRET, T, BODY)}`, accept: false, python: 'raised KeyError' },
  {
    name: 'v1 in uppercase hex',
    header: `t=${T},v1=${v1(SECRET, T, BODY).toUpperCase()}`,
    accept: false,
    python: 'False',
  },
  {
    name: 'v1 cut short by one character',
    header: `t=${T},v1=${v1(SECRET, T, BODY).slice(0, -1)}`,
    accept: false,
    python: 'False',
  },
  {
    name: 'signature moved to another timestamp',
    header: `t=${T - 1},v1=${v1(SECRET, T, BODY)}`,
    accept: false,
    python: 'False',
  },
  {
    name: 'space after the comma',
    header: `t=${T}, v1=${v1(SECRET, T, BODY)}`,
    accept: false,
    python: 'raised KeyError',
  },
  {
    name: 'unknown keys are ignored',
    header: `t=${T},v0=abc,scheme=x,v1=${v1(SECRET, T, BODY)}`,
    accept: true,
    python: 'True',
  },
];

describe('verify() decides like the Python verify() on the YumKiosk page', () => {
  it.each(AGREED)('$name', ({ header, body = BODY, secret = SECRET, accept, python: expected }) => {
    const py = python(body, header, secret);
    expect(py).toBe(expected);
    expect(ours(body, header, secret)).toBe(accept);
    expect(ours(body, header, secret)).toBe(accepts(py));
  });

  it('agrees on the exact tolerance boundary (300 s accepted, 300.001 s refused)', () => {
    const header = signatureHeaderValue([SECRET], T, BODY);
    for (const [nowMs, accept] of [
      [T * 1000 + 300_000, true],
      [T * 1000 - 300_000, true],
      [T * 1000 + 300_001, false],
      [T * 1000 - 300_001, false],
    ] as const) {
      expect(python(BODY, header, SECRET, nowMs)).toBe(accept ? 'True' : 'False');
      expect(ours(BODY, header, SECRET, nowMs)).toBe(accept);
    }
  });
});

describe('where verify() and the Python verify() decide differently', () => {
  it('two v1 with the first valid: we accept, Python keeps only the last v1 and refuses', () => {
    // The service writes the newest secret last, so during a rotation a receiver running the page's code
    // and still holding the old secret is refused from the moment of rotation: the grace period does
    // nothing for it.
    const header = signatureHeaderValue([SECRET, OTHER], T, BODY);
    expect(ours(BODY, header, SECRET)).toBe(true);
    expect(python(BODY, header, SECRET)).toBe('False');
    // Both still follow the newest (last) secret.
    expect(ours(BODY, header, OTHER)).toBe(true);
    expect(python(BODY, header, OTHER)).toBe('True');
  });

  it('a t Python int() accepts but is not plain digits: we refuse', () => {
    const sig = v1(SECRET, T, BODY);
    for (const t of [`+${T}`, ` ${T}`, `${String(T).slice(0, 4)}_${String(T).slice(4)}`]) {
      expect(python(BODY, `t=${t},v1=${sig}`, SECRET)).toBe('True');
      expect(ours(BODY, `t=${t},v1=${sig}`, SECRET)).toBe(false);
    }
  });

  it('a repeated t: Python keeps the last one, we refuse the header', () => {
    const header = `t=${T - 10_000},t=${T},v1=${v1(SECRET, T, BODY)}`;
    expect(python(BODY, header, SECRET)).toBe('True');
    expect(ours(BODY, header, SECRET)).toBe(false);
  });

  it('a body that is not UTF-8: Python raises, we verify the bytes', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const header = `t=${T},v1=${v1(SECRET, T, bytes)}`;
    expect(python(bytes, header, SECRET)).toBe('raised UnicodeDecodeError');
    expect(ours(bytes, header, SECRET)).toBe(true);
  });

  it('an empty secret: Python verifies with an empty key, we refuse (an unset variable is not a key)', () => {
    const header = `t=${T},v1=${v1('', T, BODY)}`;
    expect(python(BODY, header, '')).toBe('True');
    expect(ours(BODY, header, '')).toBe(false);
  });

  it('a v1 that is not hex next to a valid one: Python uses the last, we refuse the header', () => {
    const header = `t=${T},v1=${v1(SECRET, T, BODY)},v1=not-hex`;
    expect(python(BODY, header, SECRET)).toBe('False');
    expect(ours(BODY, header, SECRET)).toBe(false);
    const reversed = `t=${T},v1=not-hex,v1=${v1(SECRET, T, BODY)}`;
    expect(python(BODY, reversed, SECRET)).toBe('True');
    expect(ours(BODY, reversed, SECRET)).toBe(false);
  });
});

describe('verify() robustness', () => {
  const header = signatureHeaderValue([SECRET], T, BODY);
  const opts = { now: () => NOW_MS };

  it('returns false, without throwing, for missing or malformed headers and inputs', () => {
    // As a JavaScript caller (or an `any`) could call it.
    const untypedVerify = verify as (...args: unknown[]) => boolean;
    const bad: unknown[][] = [
      [BODY, {}, SECRET],
      [BODY, { 'YumKiosk-Signature': undefined }, SECRET],
      [BODY, { 'YumKiosk-Signature': '' }, SECRET],
      [BODY, { 'YumKiosk-Signature': 't=abc,v1=zz' }, SECRET],
      [BODY, { 'YumKiosk-Signature': 'v1=' }, SECRET],
      [BODY, { 'YumKiosk-Signature': 't=' }, SECRET],
      [BODY, { 'YumKiosk-Signature': ',,,' }, SECRET],
      [BODY, { 'YumKiosk-Signature': `t=${T},v1=${'0'.repeat(64)},garbage` }, SECRET],
      [BODY, { 'YumKiosk-Signature': `t=${'9'.repeat(400)},v1=00` }, SECRET],
      [BODY, { 'YumKiosk-Signature': [header, header] }, SECRET],
      [BODY, { 'YumKiosk-Signature': header, 'yumkiosk-signature': header }, SECRET],
      [BODY, { 'YumKiosk-Signature': 42 }, SECRET],
      [BODY, null, SECRET],
      [BODY, { 'YumKiosk-Signature': header }, undefined],
      [null, { 'YumKiosk-Signature': header }, SECRET],
      [{ not: 'a body' }, { 'YumKiosk-Signature': header }, SECRET],
    ];
    for (const [body, headers, secret] of bad) {
      expect(() => untypedVerify(body, headers, secret, opts)).not.toThrow();
      expect(untypedVerify(body, headers, secret, opts)).toBe(false);
    }
  });

  it('refuses a tolerance that is not a non-negative number instead of accepting every timestamp', () => {
    const old = signatureHeaderValue([SECRET], T - 100_000, BODY);
    expect(
      verify(BODY, { 'YumKiosk-Signature': old }, SECRET, { ...opts, toleranceSeconds: Number.NaN }),
    ).toBe(false);
    expect(verify(BODY, { 'YumKiosk-Signature': header }, SECRET, { ...opts, toleranceSeconds: -1 })).toBe(
      false,
    );
    expect(verify(BODY, { 'YumKiosk-Signature': old }, SECRET, { ...opts, toleranceSeconds: 200_000 })).toBe(
      true,
    );
  });

  it('decides the same for a string, a Buffer and a Uint8Array body', () => {
    const buffer = Buffer.from(BODY, 'utf8');
    const bodies = [BODY, buffer, new Uint8Array(buffer)];
    for (const body of bodies)
      expect(verify(body, { 'YumKiosk-Signature': header }, SECRET, opts)).toBe(true);
    const tampered = Buffer.from(BODY.replace('☕', '🍵'), 'utf8');
    for (const body of [tampered.toString('utf8'), tampered, new Uint8Array(tampered)]) {
      expect(verify(body, { 'YumKiosk-Signature': header }, SECRET, opts)).toBe(false);
    }
  });

  it('verifies the raw bytes, so re-serialized JSON does not pass', () => {
    const reserialized = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verify(reserialized, { 'YumKiosk-Signature': header }, SECRET, opts)).toBe(false);
  });

  it('finds the header case-insensitively, in a plain object or a Fetch Headers', () => {
    expect(verify(BODY, { 'yumkiosk-signature': header }, SECRET, opts)).toBe(true);
    expect(verify(BODY, { 'YUMKIOSK-SIGNATURE': [header] }, SECRET, opts)).toBe(true);
    expect(verify(BODY, new Headers({ 'YumKiosk-Signature': header }), SECRET, opts)).toBe(true);
    expect(verify(BODY, new Headers(), SECRET, opts)).toBe(false);
  });

  it('reads <brand>-Signature for a rebranded deployment, and only that', () => {
    expect(verify(BODY, { 'acme-signature': header }, SECRET, { ...opts, brand: 'Acme' })).toBe(true);
    expect(verify(BODY, { 'YumKiosk-Signature': header }, SECRET, { ...opts, brand: 'Acme' })).toBe(false);
  });

  it('uses the real clock by default', () => {
    const fresh = signatureHeaderValue([SECRET], Math.floor(Date.now() / 1000), BODY);
    expect(verify(BODY, { 'YumKiosk-Signature': fresh }, SECRET)).toBe(true);
    expect(verify(BODY, { 'YumKiosk-Signature': header }, SECRET)).toBe(false);
  });

  it('compares signatures of every length safely (no throw on a length mismatch) and exactly', () => {
    const good = v1(SECRET, T, BODY);
    const lastFlipped = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    const firstFlipped = (good.startsWith('0') ? '1' : '0') + good.slice(1);
    for (const candidate of [good.slice(0, 2), `${good}00`, lastFlipped, firstFlipped, '']) {
      expect(ours(BODY, `t=${T},v1=${candidate}`, SECRET)).toBe(false);
    }
    expect(ours(BODY, `t=${T},v1=${good}`, SECRET)).toBe(true);
  });
});
