import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import { type FilterPattern, matchesFilter, parseFilter } from '../../lambdas/domain/filter';

const field = (raw: unknown): string => {
  try {
    parseFilter(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).fields[0]!.field;
  }
  throw new Error('expected the filter to be refused');
};
const match = (pattern: unknown, data: unknown) => matchesFilter(parseFilter(pattern), data);

describe('parseFilter (validation, naming the wrong part)', () => {
  it('accepts every documented matcher', () => {
    const pattern = {
      store: ['s1', 's2'],
      total: [{ numeric: ['>', 100, '<=', 1000] }],
      sku: [{ prefix: 'SKU-' }, { suffix: '-X' }],
      coupon: [{ exists: false }],
      state: [{ 'anything-but': ['cancelled', 'void'] }],
      region: [{ 'anything-but': { prefix: 'test-' } }],
      customer: { vip: [true], note: [null] },
    };
    expect(parseFilter(pattern)).toEqual(pattern);
  });
  it.each([
    [[], 'filter'],
    ['x', 'filter'],
    [null, 'filter'],
    [{}, 'filter'],
    [{ a: 1 }, 'filter.a'],
    [{ a: [] }, 'filter.a'],
    [{ a: { b: {} } }, 'filter.a.b'],
    [{ a: ['ok', { wildcard: 'x*' }] }, 'filter.a.1'],
    [{ a: [{ prefix: '' }] }, 'filter.a.0.prefix'],
    [{ a: [{ prefix: 1 }] }, 'filter.a.0.prefix'],
    [{ a: [{ prefix: 'a', suffix: 'b' }] }, 'filter.a.0'],
    [{ a: [{ exists: 'yes' }] }, 'filter.a.0.exists'],
    [{ a: [{ numeric: ['>'] }] }, 'filter.a.0.numeric'],
    [{ a: [{ numeric: ['!=', 1] }] }, 'filter.a.0.numeric.0'],
    [{ a: [{ numeric: ['>', '1'] }] }, 'filter.a.0.numeric.1'],
    [{ a: [{ numeric: ['=', 1, '<', 2] }] }, 'filter.a.0.numeric'],
    [{ a: [{ 'anything-but': [] }] }, 'filter.a.0.anything-but'],
    [{ a: [{ 'anything-but': { suffix: 'x' } }] }, 'filter.a.0.anything-but'],
    [{ a: [[1]] }, 'filter.a.0'],
    [{ a: { b: { c: { d: { e: { f: { g: { h: { i: ['x'] } } } } } } } } }, 'filter.a.b.c.d.e.f.g.h'],
  ])('refuses %j at %s', (raw, at) => {
    expect(field(raw)).toBe(at);
  });
  it('refuses a pattern over 2048 bytes', () => {
    expect(field({ a: ['x'.repeat(2100)] })).toBe('filter');
  });
});

describe('matchesFilter', () => {
  it('exact values: any listed value (OR), every field (AND)', () => {
    const p = { store: ['s1', 's2'], kind: ['order'] };
    expect(match(p, { store: 's2', kind: 'order' })).toBe(true);
    expect(match(p, { store: 's3', kind: 'order' })).toBe(false);
    expect(match(p, { store: 's1' })).toBe(false);
    expect(match({ n: [1] }, { n: '1' })).toBe(false);
    expect(match({ v: [null] }, { v: null })).toBe(true);
    expect(match({ v: [null] }, {})).toBe(false);
    expect(match({ b: [true] }, { b: true })).toBe(true);
  });
  it('numeric ranges', () => {
    const over100 = { total: [{ numeric: ['>', 100] }] };
    expect(match(over100, { total: 100.5 })).toBe(true);
    expect(match(over100, { total: 100 })).toBe(false);
    expect(match(over100, { total: '150' })).toBe(false);
    expect(match(over100, {})).toBe(false);
    const range = { total: [{ numeric: ['>=', 10, '<', 20] }] };
    expect([9, 10, 19.99, 20].map((total) => match(range, { total }))).toEqual([false, true, true, false]);
    expect(match({ n: [{ numeric: ['=', 3] }] }, { n: 3 })).toBe(true);
    expect(match({ n: [{ numeric: ['<=', 3] }] }, { n: 3 })).toBe(true);
  });
  it('prefix and suffix on strings only', () => {
    expect(match({ sku: [{ prefix: 'SKU-' }] }, { sku: 'SKU-1' })).toBe(true);
    expect(match({ sku: [{ prefix: 'SKU-' }] }, { sku: 'sku-1' })).toBe(false);
    expect(match({ sku: [{ suffix: '.pdf' }] }, { sku: 'a.pdf' })).toBe(true);
    expect(match({ sku: [{ suffix: '.pdf' }] }, { sku: 5 })).toBe(false);
  });
  it('exists: true for a present leaf value, false for a missing field', () => {
    expect(match({ c: [{ exists: true }] }, { c: 0 })).toBe(true);
    expect(match({ c: [{ exists: true }] }, { c: null })).toBe(true);
    expect(match({ c: [{ exists: true }] }, {})).toBe(false);
    expect(match({ c: [{ exists: true }] }, { c: { d: 1 } })).toBe(false);
    expect(match({ c: [{ exists: false }] }, {})).toBe(true);
    expect(match({ c: [{ exists: false }] }, { c: 'x' })).toBe(false);
  });
  it('anything-but: a value, a list, a prefix; a missing field does not match', () => {
    expect(match({ s: [{ 'anything-but': 'void' }] }, { s: 'paid' })).toBe(true);
    expect(match({ s: [{ 'anything-but': 'void' }] }, { s: 'void' })).toBe(false);
    expect(match({ s: [{ 'anything-but': 'void' }] }, {})).toBe(false);
    expect(match({ s: [{ 'anything-but': [1, 2] }] }, { s: 3 })).toBe(true);
    expect(match({ s: [{ 'anything-but': [1, 2] }] }, { s: 2 })).toBe(false);
    expect(match({ s: [{ 'anything-but': { prefix: 'test-' } }] }, { s: 'prod-1' })).toBe(true);
    expect(match({ s: [{ 'anything-but': { prefix: 'test-' } }] }, { s: 'test-1' })).toBe(false);
  });
  it('nested fields, and arrays in the data match when any element does', () => {
    const p = { customer: { tier: ['gold'] } };
    expect(match(p, { customer: { tier: 'gold' } })).toBe(true);
    expect(match(p, { customer: { tier: 'silver' } })).toBe(false);
    expect(match(p, { customer: 'gold' })).toBe(false);
    expect(match(p, {})).toBe(false);
    expect(match({ tags: ['vip'] }, { tags: ['new', 'vip'] })).toBe(true);
    expect(match({ tags: ['vip'] }, { tags: ['new'] })).toBe(false);
  });
  it('reads only own fields (no prototype lookups)', () => {
    const p: FilterPattern = { toString: [{ exists: true }] };
    expect(matchesFilter(p, {})).toBe(false);
    expect(match({ constructor: { name: ['Object'] } }, {})).toBe(false);
  });
});
