import { ValidationError } from './errors';

/**
 * Payload filters: an EventBridge-style content pattern over an event's `data` (a documented subset of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
 *
 * A pattern is an object. Each key names a field of `data`; its value is either a nested pattern (an object,
 * for a nested field) or a non-empty array of matchers, any of which may match (OR). Every key must match
 * (AND). Matchers: a string, number, boolean or null (equal to the value), `{"prefix": "s"}`, `{"suffix": "s"}`,
 * `{"numeric": [">", 100]}` or `{"numeric": [">=", 0, "<", 10]}` (operators `=`, `<`, `<=`, `>`, `>=`),
 * `{"exists": true|false}`, and `{"anything-but": v}` where `v` is a string, number, an array of them, or
 * `{"prefix": "s"}`. When the field's value is an array, the matcher matches if any element does. Every
 * matcher but `{"exists": false}` needs the field present.
 */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly Matcher[] };
type Scalar = string | number | boolean | null;
type Matcher =
  | Scalar
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } };

export const MAX_FILTER_BYTES = 2048;
export const MAX_FILTER_DEPTH = 8;
export const MAX_MATCHERS_PER_FIELD = 50;
const OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws a 422 naming the first wrong part of `raw` (`filter.<path>`); returns the pattern otherwise. */
export function parseFilter(raw: unknown): FilterPattern {
  if (!isPlainObject(raw)) throw ValidationError.of('filter', 'must be a JSON object (a content pattern)');
  if (Buffer.byteLength(JSON.stringify(raw), 'utf8') > MAX_FILTER_BYTES)
    throw ValidationError.of('filter', `must be at most ${MAX_FILTER_BYTES} bytes of JSON`);
  checkPattern(raw, 'filter', 1);
  return raw as FilterPattern;
}

function checkPattern(pattern: Record<string, unknown>, path: string, depth: number): void {
  if (depth > MAX_FILTER_DEPTH)
    throw ValidationError.of(path, `must not nest deeper than ${MAX_FILTER_DEPTH}`);
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw ValidationError.of(path, 'must name at least one field');
  for (const key of keys) {
    const value = pattern[key];
    const at = `${path}.${key}`;
    if (isPlainObject(value)) checkPattern(value, at, depth + 1);
    else if (Array.isArray(value)) {
      if (value.length === 0) throw ValidationError.of(at, 'must list at least one value or matcher');
      if (value.length > MAX_MATCHERS_PER_FIELD)
        throw ValidationError.of(at, `must list at most ${MAX_MATCHERS_PER_FIELD} matchers`);
      for (const [i, m] of value.entries()) checkMatcher(m, `${at}.${i}`);
    } else throw ValidationError.of(at, 'must be an array of values or matchers, or a nested pattern object');
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkMatcher(m: unknown, path: string): void {
  if (m === null || isString(m) || isNumber(m) || typeof m === 'boolean') return;
  if (!isPlainObject(m))
    throw ValidationError.of(path, 'must be a string, number, boolean, null or a matcher object');
  const keys = Object.keys(m);
  if (keys.length !== 1)
    throw ValidationError.of(
      path,
      'a matcher object has exactly one of prefix, suffix, numeric, exists, anything-but',
    );
  const kind = keys[0]!;
  const arg = m[kind];
  const at = `${path}.${kind}`;
  switch (kind) {
    case 'prefix':
    case 'suffix':
      if (!isString(arg) || arg.length === 0) throw ValidationError.of(at, 'must be a non-empty string');
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw ValidationError.of(at, 'must be true or false');
      return;
    case 'numeric':
      checkNumeric(arg, at);
      return;
    case 'anything-but':
      if (isString(arg) || isNumber(arg)) return;
      if (Array.isArray(arg)) {
        if (arg.length === 0 || !arg.every((v) => isString(v) || isNumber(v)))
          throw ValidationError.of(at, 'must list at least one string or number');
        return;
      }
      if (isPlainObject(arg) && Object.keys(arg).length === 1 && isString(arg.prefix) && arg.prefix !== '')
        return;
      throw ValidationError.of(at, 'must be a string, a number, an array of them, or {"prefix": "..."}');
    default:
      throw ValidationError.of(
        path,
        `unknown matcher "${kind}" (supported: prefix, suffix, numeric, exists, anything-but)`,
      );
  }
}

function checkNumeric(arg: unknown, at: string): void {
  const shape = 'must be [op, number] or [op, number, op, number] with op one of = < <= > >=';
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) throw ValidationError.of(at, shape);
  for (let i = 0; i < arg.length; i += 2) {
    if (!isString(arg[i]) || !OPERATORS.has(arg[i] as string)) throw ValidationError.of(`${at}.${i}`, shape);
    if (!isNumber(arg[i + 1])) throw ValidationError.of(`${at}.${i + 1}`, 'must be a finite number');
  }
  if (arg.length === 4 && (arg[0] === '=' || arg[2] === '='))
    throw ValidationError.of(at, '"=" cannot be combined with a second comparison');
}

/** True when `data` matches `pattern` (a pattern checked by `parseFilter`). */
export function matchesFilter(pattern: FilterPattern, data: unknown): boolean {
  const record = isPlainObject(data) ? data : {};
  for (const [key, sub] of Object.entries(pattern)) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    if (Array.isArray(sub)) {
      if (!sub.some((m) => matchesField(m as Matcher, value))) return false;
    } else if (!matchesFilter(sub as FilterPattern, isPlainObject(value) ? value : {})) return false;
  }
  return true;
}

function matchesField(m: Matcher, value: unknown): boolean {
  if (isPlainObject(m) && 'exists' in m) {
    const present = value !== undefined && !isPlainObject(value);
    return m.exists === present;
  }
  if (value === undefined) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => matchesOne(m, v));
}

function matchesOne(m: Matcher, v: unknown): boolean {
  if (!isPlainObject(m)) return v === m;
  if ('prefix' in m) return isString(v) && v.startsWith(m.prefix);
  if ('suffix' in m) return isString(v) && v.endsWith(m.suffix);
  if ('numeric' in m) return isNumber(v) && compares(m.numeric, v);
  if ('anything-but' in m) {
    const but = m['anything-but'];
    if (isPlainObject(but)) return isString(v) && !v.startsWith((but as { prefix: string }).prefix);
    const excluded = Array.isArray(but) ? but : [but];
    return (isString(v) || isNumber(v)) && !excluded.includes(v);
  }
  return false;
}

function compares(spec: readonly (string | number)[], v: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const n = spec[i + 1] as number;
    const ok =
      spec[i] === '='
        ? v === n
        : spec[i] === '<'
          ? v < n
          : spec[i] === '<='
            ? v <= n
            : spec[i] === '>'
              ? v > n
              : v >= n;
    if (!ok) return false;
  }
  return true;
}
