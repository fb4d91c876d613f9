import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/domain/ids';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The epoch ms in the first 10 characters (ULID time part). */
function decodeTime(id: string): number {
  const time = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  let t = 0;
  for (const c of time) t = t * 32 + CROCKFORD.indexOf(c);
  return t;
}

describe('newId', () => {
  it('starts with the type prefix and an underscore', () => {
    expect(newId('evt')).toMatch(/^evt_/);
    expect(newId('dlv')).toMatch(/^dlv_/);
    expect(newId('ep')).toMatch(/^ep_/);
  });

  it('has 26 Crockford base32 characters after the prefix', () => {
    for (let i = 0; i < 50; i++) expect(newId('dlv')).toMatch(/^dlv_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('encodes the creation time in its first 10 characters', () => {
    const now = Date.UTC(2025, 0, 1, 12, 34, 56, 789);
    expect(decodeTime(newId('evt', now))).toBe(now);
    expect(decodeTime(newId('evt', 0))).toBe(0);
    expect(newId('evt', 0).slice(4, 14)).toBe('0000000000');
  });

  it('sorts by creation time, as strings', () => {
    const times = [
      0,
      1,
      31,
      32,
      1023,
      1024,
      Date.UTC(2025, 0, 1),
      Date.UTC(2025, 0, 1) + 1,
      Date.UTC(2099, 11, 31),
    ];
    const ids = times.map((t) => newId('dlv', t));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it('differs between ids made in the same millisecond', () => {
    const now = Date.UTC(2025, 0, 1);
    const ids = new Set(Array.from({ length: 1000 }, () => newId('dlv', now)));
    expect(ids.size).toBe(1000);
  });
});
