import { describe, expect, it } from 'vitest';
import { serializeEnvelope } from '../../lambdas/domain/envelope';

describe('serializeEnvelope', () => {
  it('writes compact JSON with keys in the order id, event, created_at, data', () => {
    const body = serializeEnvelope({
      data: { total: 1250, lines: [{ sku: 'A1', qty: 2 }], paid: true, note: null },
      createdAt: '2025-01-01T00:00:00.000Z',
      type: 'order.created',
      id: 'evt_1',
    });
    expect(body).toBe(
      '{"id":"evt_1","event":"order.created","created_at":"2025-01-01T00:00:00.000Z",' +
        '"data":{"total":1250,"lines":[{"sku":"A1","qty":2}],"paid":true,"note":null}}',
    );
  });

  it('keeps the data object keys in the order the caller sent them', () => {
    const data = JSON.parse('{"z":1,"a":2,"m":{"y":3,"b":4}}') as Record<string, unknown>;
    const body = serializeEnvelope({ id: 'e', type: 'kiosk.paired', createdAt: 'c', data });
    expect(body).toBe(
      '{"id":"e","event":"kiosk.paired","created_at":"c","data":{"z":1,"a":2,"m":{"y":3,"b":4}}}',
    );
  });

  it('writes non-ASCII text as raw UTF-8, not \\u escapes', () => {
    const body = serializeEnvelope({
      id: 'evt_é',
      type: 'order.created',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: { item: 'Crème brûlée 🍮', clé: '日本' },
    });
    const expected =
      '{"id":"evt_é","event":"order.created","created_at":"2025-01-01T00:00:00.000Z",' +
      '"data":{"item":"Crème brûlée 🍮","clé":"日本"}}';
    expect(body).toBe(expected);
    expect(body).not.toContain('\\u');
    // Beyond one byte per UTF-16 unit: é×3, è, û take 2 bytes (+5), 🍮 4 bytes in 2 units (+2),
    // 日 and 本 3 bytes each (+4).
    expect(Buffer.byteLength(body, 'utf8')).toBe(expected.length + 11);
    expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
  });

  it('escapes what JSON requires: quotes, backslashes, control characters', () => {
    const body = serializeEnvelope({
      id: 'e',
      type: 't',
      createdAt: 'c',
      data: { s: 'a "quoted" \\ path\nnew line\u0001' },
    });
    expect(body).toBe(
      '{"id":"e","event":"t","created_at":"c","data":{"s":"a \\"quoted\\" \\\\ path\\nnew line\\u0001"}}',
    );
    expect(JSON.parse(body)).toEqual({
      id: 'e',
      event: 't',
      created_at: 'c',
      data: { s: 'a "quoted" \\ path\nnew line\u0001' },
    });
  });
});
