/**
 * The kinds of value a setting can hold: how each is read from a string (an environment variable, a
 * `cdk -c key=value`) or a typed value (a stack prop, a JSON value in cdk.json), the rule it must meet
 * (stated once, used in the error and in the README table), and how it is written back into an
 * environment variable. Pure: no AWS package, no file access.
 */
import type { EventTypeInfo } from '../domain/catalog';
import { formatDuration, parseDuration, parseRetrySchedule } from '../domain/retry-policy';

export { formatDuration };

/** A value broke its setting's rule. The message is the rule, without the setting's name. */
export class RuleError extends Error {
  override readonly name = 'RuleError';
}

export interface Kind<T, Input = T> {
  /** The rule as a sentence fragment: `a duration from 100ms to 60s`. */
  readonly rule: string;
  /** Reads a string or a typed value; throws RuleError. */
  parse(value: unknown): T;
  /** The value as an environment variable holds it (and as `parse` reads it back). */
  format(value: T): string;
  /** The value as a stack prop takes it (`"10s"` for a duration held as 10000). */
  toProp(value: T): Input;
}

const got = (value: unknown) => `got ${JSON.stringify(value)}`;

function fail(rule: string, value: unknown): never {
  throw new RuleError(`must be ${rule}, ${got(value)}`);
}

/** A duration such as `250ms`, `10s`, `5m`, `2h`, held in milliseconds. */
export function duration(minMs: number, maxMs: number): Kind<number, string> {
  const rule = `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} (e.g. 10s, 5m)`;
  return {
    rule,
    parse(value) {
      if (typeof value !== 'string') fail(rule, value);
      let ms: number;
      try {
        // A bare 0 needs no unit.
        ms = value.trim() === '0' ? 0 : parseDuration(value);
      } catch {
        fail(rule, value);
      }
      if (ms < minMs || ms > maxMs) fail(rule, value);
      return ms;
    },
    format: formatDuration,
    toProp: formatDuration,
  };
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function integer(min: number, max: number): Kind<number> {
  const rule = `an integer from ${min} to ${max}`;
  return {
    rule,
    parse(value) {
      const n = numeric(value);
      if (n === undefined || !Number.isInteger(n) || n < min || n > max) fail(rule, value);
      return n;
    },
    format: String,
    toProp: (value) => value,
  };
}

/** An integer from a fixed list (CloudWatch Logs retention periods, for instance). */
export function integerOneOf(allowed: readonly number[]): Kind<number> {
  const rule = `one of ${allowed.join(', ')}`;
  return {
    rule,
    parse(value) {
      const n = numeric(value);
      if (n === undefined || !allowed.includes(n)) fail(rule, value);
      return n;
    },
    format: String,
    toProp: (value) => value,
  };
}

export function decimal(min: number, max: number, options: { exclusiveMin?: boolean } = {}): Kind<number> {
  const rule = options.exclusiveMin
    ? `a number above ${min}, at most ${max}`
    : `a number from ${min} to ${max}`;
  return {
    rule,
    parse(value) {
      const n = numeric(value);
      if (n === undefined || n > max || (options.exclusiveMin ? n <= min : n < min)) fail(rule, value);
      return n;
    },
    format: String,
    toProp: (value) => value,
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Kind<T> {
  const rule = values.map((v) => `"${v}"`).join(' or ');
  return {
    rule,
    parse(value) {
      if (typeof value !== 'string' || !values.includes(value as T)) fail(rule, value);
      return value as T;
    },
    format: (value) => value,
    toProp: (value) => value,
  };
}

export function text(pattern: RegExp, rule: string): Kind<string> {
  return {
    rule,
    parse(value) {
      if (typeof value !== 'string' || !pattern.test(value)) fail(rule, value);
      return value;
    },
    format: (value) => value,
    toProp: (value) => value,
  };
}

/** `true`/`false`, as a boolean or the strings `-c key=true` and environment variables give. */
export function flag(): Kind<boolean> {
  const rule = 'true or false';
  return {
    rule,
    parse(value) {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      fail(rule, value);
    },
    format: String,
    toProp: (value) => value,
  };
}

/** The retry schedule: comma-separated delays, parsed by the domain's one parser. */
export function schedule(): Kind<readonly number[], string> {
  const rule = 'a comma-separated list of 1 to 20 delays, each from 1s to 12h (e.g. 1m,5m,30m)';
  return {
    rule,
    parse(value) {
      if (typeof value !== 'string') fail(rule, value);
      try {
        return parseRetrySchedule(value, '');
      } catch (error) {
        // The domain's message names the variable it was given; here the caller adds the name.
        throw new RuleError((error as Error).message.replace(/^:?\s*/, ''));
      }
    },
    format: (delays) => delays.map(formatDuration).join(','),
    toProp: (delays) => delays.map(formatDuration).join(','),
  };
}

const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/**
 * Checks a catalog's shape by hand (the catalog is read by every function that publishes, and leaving zod
 * out of those that validate no HTTP input keeps their bundles small): the first problem, as `[i].field:
 * what is wrong`, or undefined when it is a valid list.
 */
function catalogProblem(json: unknown): string | undefined {
  if (!Array.isArray(json)) return 'not an array';
  if (json.length < 1) return 'at least one event type';
  if (json.length > 1000) return 'at most 1000 event types';
  for (const [i, entry] of json.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return `[${i}]: must be an object with type and description`;
    const extra = Object.keys(entry).find((k) => k !== 'type' && k !== 'description');
    if (extra !== undefined) return `[${i}]: unknown key "${extra}"`;
    const { type, description } = entry as Record<string, unknown>;
    if (typeof type !== 'string') return `[${i}].type: must be a string`;
    if (!EVENT_TYPE.test(type)) return `[${i}].type: lower-case words separated by dots, e.g. order.created`;
    if (type.length > 100) return `[${i}].type: at most 100 characters`;
    if (typeof description !== 'string') return `[${i}].description: must be a string`;
    if (description.length > 1000) return `[${i}].description: at most 1000 characters`;
  }
  return undefined;
}

/**
 * The event catalog: a JSON array of `{ "type", "description" }`, given as the array itself or as JSON
 * text. Reading a file named instead of JSON is the caller's business (`readCatalogSource`), so this kind
 * stays pure.
 */
export function catalog(): Kind<readonly EventTypeInfo[], string | readonly EventTypeInfo[]> {
  const rule = 'a JSON array of { "type", "description" } (inline, or the path of a JSON file)';
  return {
    rule,
    parse(value) {
      let json: unknown = value;
      if (typeof value === 'string') {
        try {
          json = JSON.parse(value);
        } catch {
          fail(rule, value.length > 60 ? `${value.slice(0, 60)}...` : value);
        }
      }
      const problem = catalogProblem(json);
      if (problem) throw new RuleError(`must be ${rule}; ${problem}`);
      const entries = json as readonly EventTypeInfo[];
      const seen = new Set<string>();
      for (const { type } of entries) {
        if (seen.has(type)) throw new RuleError(`must be ${rule}; "${type}" is listed twice`);
        seen.add(type);
      }
      return entries.map(({ type, description }) => ({ type, description }));
    },
    format: (entries) => JSON.stringify(entries),
    toProp: (entries) => entries,
  };
}

export function email(): Kind<string> {
  return text(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address');
}

/** Any non-empty string (a directory, for instance). */
export function path(): Kind<string> {
  return text(/^.+$/, 'a path');
}
