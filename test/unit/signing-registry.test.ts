import { describe, expect, it } from 'vitest';
import { checkCustomHeaders } from '../../lambdas/domain/custom-headers';
import { ValidationError } from '../../lambdas/domain/errors';
import {
  deliveryHeaders,
  redactSignature,
  SCHEME_NAMES,
  SIGNING_SCHEMES,
  schemeOf,
} from '../../lambdas/domain/signing';
import { SETTINGS } from '../../lambdas/settings/schema';

/**
 * Every scheme in the registry, checked the same way: a new scheme is a file and a registry line, and this
 * suite covers it without an edit (the setting accepts it, requests carry its headers, the log masks its
 * signatures, endpoints cannot set its header names).
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const signed = (scheme: (typeof SCHEME_NAMES)[number]) =>
  deliveryHeaders({
    scheme,
    brand: 'Acme',
    body: '{"id":"evt_1"}',
    eventType: 'order.created',
    deliveryId: 'dlv_1',
    secrets: [{ secret: SECRET }],
    now: Date.UTC(2026, 0, 1),
  });

describe('signing registry', () => {
  it('is what SIGNATURE_SCHEME accepts, the default first', () => {
    expect(SCHEME_NAMES[0]).toBe(SETTINGS.signatureScheme.default);
    for (const name of SCHEME_NAMES) expect(SETTINGS.signatureScheme.kind.parse(name)).toBe(name);
    expect(() => SETTINGS.signatureScheme.kind.parse('nope')).toThrow(/must be/);
    for (const name of SCHEME_NAMES) expect(SETTINGS.signatureScheme.help).toContain(`\`${name}\``);
    expect(schemeOf(undefined)).toBe(SIGNING_SCHEMES[SCHEME_NAMES[0]]);
  });

  describe.each(SCHEME_NAMES)('%s', (name) => {
    const scheme = SIGNING_SCHEMES[name];
    const own = () =>
      Object.keys(
        scheme.sign({ brand: 'Acme', body: '{}', deliveryId: 'd', secrets: [SECRET], timestamp: 1 }),
      );

    it('adds its own headers after the common ones, and only those', () => {
      const headers = signed(name);
      expect(headers['Content-Type']).toBe('application/json');
      expect(headers['Acme-Event']).toBe('order.created');
      expect(own().length).toBeGreaterThan(0);
      for (const h of own()) expect(headers[h]).toBeDefined();
    });

    it('leaves no signature value readable in the log', () => {
      const headers = signed(name);
      const masked = redactSignature(headers, 'Acme');
      const signatureValues = Object.entries(headers).filter(
        ([k, v]) => own().includes(k) && /[A-Za-z0-9+/=]{20,}/.test(v),
      );
      expect(signatureValues.length).toBeGreaterThan(0);
      for (const [k, v] of signatureValues) {
        const digest = v.match(/[A-Za-z0-9+/=]{20,}/)![0];
        expect(masked[k]).not.toContain(digest);
      }
    });

    it('owns its header names: an endpoint cannot set them', () => {
      for (const h of own()) {
        const attempt = () => checkCustomHeaders({ [h]: 'x' }, { brand: 'Acme' });
        expect(attempt).toThrow(ValidationError);
        expect(scheme.reserves(h.toLowerCase(), 'Acme')).toBeDefined();
      }
    });
  });

  it('checks an owner-given secret where the scheme needs a form', () => {
    expect(SIGNING_SCHEMES['standard-webhooks'].checkSecret?.('plain')).toMatch(/whsec_/);
    expect(SIGNING_SCHEMES['standard-webhooks'].checkSecret?.(SECRET)).toBeUndefined();
    expect(SIGNING_SCHEMES.yumkiosk.checkSecret).toBeUndefined();
  });
});
