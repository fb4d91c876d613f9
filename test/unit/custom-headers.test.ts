import { describe, expect, it } from 'vitest';
import {
  checkCustomHeaders,
  isSecretLooking,
  MASKED,
  maskSecretHeaders,
  reservedHeaderReason,
} from '../../lambdas/domain/custom-headers';
import { ValidationError } from '../../lambdas/domain/errors';
import { CreateEndpointSchema, UpdateEndpointSchema } from '../../lambdas/domain/schemas';
import { deliveryHeaders } from '../../lambdas/domain/signing';

const base = { tenantId: 't', url: 'https://example.com/h', events: ['*'] };
const issues = (headers: unknown) => {
  const r = CreateEndpointSchema.safeParse({ ...base, headers });
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('custom headers: shape (schema)', () => {
  it('accepts up to 20 token-named headers', () => {
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v']));
    expect(issues(twenty)).toEqual([]);
    expect(issues({ ...twenty, 'X-H20': 'v' })[0]!.message).toMatch(/at most 20/);
  });
  it('refuses names with non-token characters and values with CR or LF, naming the header', () => {
    expect(issues({ 'X Bad': 'v' })[0]!.path).toBe('headers.X Bad');
    expect(issues({ 'X:Bad': 'v' })[0]!.path).toBe('headers.X:Bad');
    expect(issues({ 'X-Ok': 'a\r\nInjected: 1' })).toEqual([
      { path: 'headers.X-Ok', message: 'header values must not contain CR, LF or NUL' },
    ]);
    expect(issues({ 'X-Ok': 'line\n' })[0]!.path).toBe('headers.X-Ok');
    expect(issues({ 'X-Ok': 7 })[0]!.path).toBe('headers.X-Ok');
  });
  it('refuses more than 4 KB of names and values', () => {
    expect(issues({ 'X-A': 'a'.repeat(4093) })).toEqual([]);
    expect(issues({ 'X-A': 'a'.repeat(4094) })[0]!.message).toMatch(/4096 bytes/);
  });
  it('PATCH takes headers and filter alone', () => {
    expect(UpdateEndpointSchema.safeParse({ headers: {} }).success).toBe(true);
    expect(UpdateEndpointSchema.safeParse({ filter: null }).success).toBe(true);
  });
});

describe('custom headers: names we own are refused', () => {
  const refused = (name: string, brand = 'YumKiosk') => {
    try {
      checkCustomHeaders({ [name]: 'v' }, { brand });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fields[0];
    }
    return undefined;
  };
  it.each([
    'Host',
    'content-length',
    'Content-Type',
    'USER-AGENT',
    'YumKiosk-Signature',
    'yumkiosk-event',
    'YumKiosk-Delivery',
    'webhook-id',
    'Webhook-Signature',
    'webhook-anything',
    'X-Amz-Date',
    'x-amzn-trace-id',
  ])('%s', (name) => {
    expect(refused(name)?.field).toBe(`headers.${name}`);
  });
  it('the brand decides which signature headers are ours', () => {
    expect(refused('Acme-Signature', 'Acme')?.field).toBe('headers.Acme-Signature');
    expect(refused('Acme-Signature', 'YumKiosk')).toBeUndefined();
  });
  it('allows ordinary names, refuses one given twice in different cases', () => {
    expect(reservedHeaderReason('X-Api-Key', 'YumKiosk')).toBeUndefined();
    expect(checkCustomHeaders({ Authorization: 'Bearer x', 'X-Route': 'eu' }, { brand: 'YumKiosk' })).toEqual(
      {
        Authorization: 'Bearer x',
        'X-Route': 'eu',
      },
    );
    expect(() => checkCustomHeaders({ 'X-A': '1', 'x-a': '2' }, { brand: 'YumKiosk' })).toThrow(/twice/);
  });
});

describe('custom headers: masking and sending', () => {
  it('masks Authorization, *-Key, *-Token, *-Secret in any case, and nothing else', () => {
    expect(['Authorization', 'x-api-key', 'X-Auth-Token', 'Client-SECRET'].every(isSecretLooking)).toBe(true);
    expect(['X-Route', 'X-Keyring', 'Token', 'X-Tenant'].some(isSecretLooking)).toBe(false);
    expect(maskSecretHeaders({ Authorization: 'Bearer s3cret', 'X-Route': 'eu' })).toEqual({
      Authorization: MASKED,
      'X-Route': 'eu',
    });
  });
  it('deliveryHeaders sends them, with ours set after them', () => {
    const headers = deliveryHeaders({
      brand: 'YumKiosk',
      body: '{}',
      eventType: 'order.created',
      deliveryId: 'dlv_1',
      secrets: [{ secret: 'whsec_x' }],
      now: 1_700_000_000_000,
      custom: { 'X-Api-Key': 'k', 'X-Route': 'eu' },
    });
    expect(headers['X-Api-Key']).toBe('k');
    expect(headers['X-Route']).toBe('eu');
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['YumKiosk-Signature']).toMatch(/^t=\d+,v1=/);
  });
});
