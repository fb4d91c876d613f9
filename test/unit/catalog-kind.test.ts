import { describe, expect, it } from 'vitest';
import { RuleError } from '../../lambdas/settings/kinds';
import { SETTINGS } from '../../lambdas/settings/schema';

const parse = (value: unknown) => SETTINGS.eventCatalog.kind.parse(value as string);

describe('the event catalog setting', () => {
  it('reads an array or its JSON text, keeping only type and description', () => {
    const entries = [{ type: 'thing.happened', description: 'A thing happened.' }];
    expect(parse(entries)).toEqual(entries);
    expect(parse(JSON.stringify(entries))).toEqual(entries);
  });

  it.each([
    ['not JSON', '[{', /a JSON array/],
    ['not an array', '{}', /not an array/],
    ['empty', '[]', /at least one event type/],
    [
      'too many',
      Array.from({ length: 1001 }, (_, i) => ({ type: `t.n${i}`, description: '' })),
      /at most 1000/,
    ],
    ['an entry not an object', '[1]', /\[0\]: must be an object/],
    ['an unknown key', '[{"type":"a.b","description":"","x":1}]', /\[0\]: unknown key "x"/],
    ['a type that is not a string', '[{"type":1,"description":""}]', /\[0\]\.type: must be a string/],
    ['a type in capitals', '[{"type":"Order.Created","description":""}]', /\[0\]\.type: lower-case words/],
    ['a long type', JSON.stringify([{ type: 'a'.repeat(101), description: '' }]), /\[0\]\.type: at most 100/],
    ['no description', '[{"type":"a.b"}]', /\[0\]\.description: must be a string/],
    [
      'a long description',
      JSON.stringify([{ type: 'a.b', description: 'x'.repeat(1001) }]),
      /at most 1000 char/,
    ],
    [
      'a type twice',
      '[{"type":"a.b","description":""},{"type":"a.b","description":""}]',
      /"a.b" is listed twice/,
    ],
  ])('refuses %s, saying where', (_what, value, message) => {
    expect(() => parse(value)).toThrow(RuleError);
    expect(() => parse(value)).toThrow(message);
  });
});
