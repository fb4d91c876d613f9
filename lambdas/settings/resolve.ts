/**
 * Reading settings from where they come from (CDK context, stack props, environment variables), applying
 * the defaults of `schema.ts`, validating each value and the combinations, and writing each function's
 * environment. The stack (synth time), `lambdas/config.ts` (cold start) and the local runtime all go
 * through here, so a value means the same thing and fails the same way everywhere.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../domain/errors';
import { formatDuration, RuleError } from './kinds';
import { deliveryFunctionTimeoutSeconds, deliveryVisibilitySeconds } from './resources';
import {
  type ContextKey,
  SETTINGS,
  type ServiceFunctionName,
  type SettingKey,
  type Settings,
  settingEntries,
} from './schema';

/** A setting is wrong: the message is one line, `<name>: <rule>, got <value>`. */
export class SettingsError extends ConfigError {}

/** Raw values by setting key, as read from one source (strings, or typed values from props). */
export type RawSettings = Partial<Record<SettingKey, unknown>>;

export interface ResolveOptions {
  /** Name settings in errors by context key (synth) or by environment variable (cold start, local). */
  readonly naming: 'context' | 'env';
  /** Apply `localDefault`s (the local runtime). */
  readonly local?: boolean;
  /**
   * Check the sweeper's grace against the delivery queue's visibility timeout. The stack does, for the
   * queue it builds; the local runtime lets tests shorten the grace on purpose.
   */
  readonly checkGrace?: boolean;
}

const DAY_MS = 86_400_000;
const RETENTION_MARGIN_MS = 12 * 3_600_000;
/** The sweeper runs every minute: its grace must cover the visibility timeout and one tick. */
const GRACE_MARGIN_MS = 60_000;
const GRACE_FLOOR_MS = 15 * 60_000;

function nameOf(key: SettingKey, naming: ResolveOptions['naming']): string {
  return naming === 'env' ? ((SETTINGS[key] as { env?: string }).env ?? key) : key;
}

/**
 * Days of retention the schedule needs so nothing pending expires: twice the schedule (each delay can be
 * stretched to twice by `Retry-After`) plus 12 hours for the sweeper, timeouts and holds, in whole days.
 */
export function minimumRetentionDays(delaysMs: readonly number[]): number {
  const total = delaysMs.reduce((a, b) => a + b, 0);
  return Math.ceil((2 * total + RETENTION_MARGIN_MS) / DAY_MS);
}

/** The delivery queue's visibility timeout, in ms, for a delivery timeout (as the stack sizes it). */
export function deliveryVisibilityMs(deliveryTimeoutMs: number): number {
  return deliveryVisibilitySeconds(deliveryFunctionTimeoutSeconds(deliveryTimeoutMs)) * 1000;
}

/** The shortest sweeper grace the delivery queue allows: its visibility timeout plus one sweeper tick. */
export function minimumSweepGraceMs(deliveryTimeoutMs: number): number {
  return deliveryVisibilityMs(deliveryTimeoutMs) + GRACE_MARGIN_MS;
}

/** The grace when none is set: 15 minutes, or longer when the delivery queue's visibility needs it. */
export function defaultSweepGraceMs(deliveryTimeoutMs: number): number {
  return Math.max(GRACE_FLOOR_MS, minimumSweepGraceMs(deliveryTimeoutMs));
}

/**
 * Applies defaults and validates every value, then the combinations. Throws a SettingsError naming the
 * setting (context key or environment variable) and the rule.
 */
export function resolveSettings(raw: RawSettings, options: ResolveOptions): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of settingEntries()) {
    const value = raw[key];
    if (value === undefined) {
      out[key] = options.local && setting.localDefault !== undefined ? setting.localDefault : setting.default;
      continue;
    }
    try {
      out[key] = setting.kind.parse(value);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      throw new SettingsError(`${nameOf(key, options.naming)}: ${error.message}`);
    }
  }
  const settings = out as unknown as Omit<Settings, 'sweepGrace'> & { sweepGrace: number | undefined };
  const name = (key: SettingKey) => nameOf(key, options.naming);

  const minDays = minimumRetentionDays(settings.retrySchedule);
  if (settings.retentionDays < minDays)
    throw new SettingsError(
      `${name('retentionDays')}: must be at least ${minDays} days with ${name('retrySchedule')} ` +
        `${SETTINGS.retrySchedule.kind.format(settings.retrySchedule)} (twice the schedule plus 12h, ` +
        `so nothing pending expires), got ${settings.retentionDays}`,
    );

  if (settings.sweepGrace === undefined) {
    out.sweepGrace = defaultSweepGraceMs(settings.deliveryTimeout);
  } else if (options.checkGrace) {
    const min = minimumSweepGraceMs(settings.deliveryTimeout);
    if (settings.sweepGrace < min)
      throw new SettingsError(
        `${name('sweepGrace')}: must be at least ${formatDuration(min)} with ${name('deliveryTimeout')} ` +
          `${formatDuration(settings.deliveryTimeout)} (the delivery queue's visibility timeout plus 1m), ` +
          `got ${JSON.stringify(raw.sweepGrace)}`,
      );
  }
  return out as unknown as Settings;
}

/**
 * A catalog given as a file path is read here; inline JSON (starting with `[`) and arrays pass through.
 * The error names the setting.
 */
function readCatalogSource(value: unknown, name: string): unknown {
  if (typeof value !== 'string' || value.trimStart().startsWith('[')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new SettingsError(
      `${name}: must be JSON or the path of a readable JSON file, got ${JSON.stringify(value)} ` +
        `(${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
}

/** Settings set in an environment (the functions', or the local runtime's). */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): RawSettings {
  const raw: RawSettings = {};
  for (const [key, setting] of settingEntries()) {
    if (!setting.env) continue;
    const value = env[setting.env];
    if (value === undefined) continue;
    raw[key] = key === 'eventCatalog' ? readCatalogSource(value, setting.env) : value;
  }
  return raw;
}

/**
 * Settings from CDK context (`-c key=value`, or `"context"` in cdk.json) or stack props: both come
 * through here, by key. A refused key stops the synth with its reason.
 */
export function settingsFromContext(get: (key: string) => unknown): RawSettings {
  const raw: RawSettings = {};
  for (const [key, setting] of settingEntries()) {
    if (setting.scope === 'local') continue;
    const value = get(key);
    if (value === undefined) continue;
    if (setting.scope === 'refused') throw new SettingsError(`${key}: ${setting.refusal}`);
    raw[key] = key === 'eventCatalog' ? readCatalogSource(value, key) : value;
  }
  return raw;
}

/** Settings whose environment variable a function gets (the ones it reads). */
export function settingsUsedBy(fn: ServiceFunctionName): SettingKey[] {
  return settingEntries()
    .filter(([, s]) => s.env !== undefined && s.usedBy.includes(fn))
    .map(([key]) => key);
}

/**
 * The environment variables of one function: each setting it uses, formatted as `settingsFromEnv` reads
 * it back. `overrides` replaces a value's text (the stack puts the catalog's file path there).
 */
export function environmentFor(
  fn: ServiceFunctionName,
  settings: Settings,
  overrides: Partial<Record<SettingKey, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of settingsUsedBy(fn)) {
    const setting = SETTINGS[key] as unknown as { env: string; kind: { format(v: unknown): string } };
    const value = settings[key];
    const override = overrides[key];
    if (override !== undefined) env[setting.env] = override;
    else if (value !== undefined) env[setting.env] = setting.kind.format(value);
  }
  return env;
}

/** The context keys, for `bin/app.ts` and the README. */
export function contextKeys(): ContextKey[] {
  return settingEntries()
    .filter(([, s]) => s.scope === 'context')
    .map(([key]) => key as ContextKey);
}
