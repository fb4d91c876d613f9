/**
 * The stack's side of the settings contract (`lambdas/settings/schema.ts`): the props it accepts, reading
 * them from CDK context, resolving and validating them at synth time, and what each function is given.
 */
import type { StackProps } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import {
  environmentFor,
  resolveSettings,
  settingsFromContext,
  settingsUsedBy,
} from '../lambdas/settings/resolve';
import type { ENV } from '../lambdas/settings/resources';
import {
  SETTINGS,
  type ServiceFunctionName,
  type SettingKey,
  type SettingProps,
  type Settings,
} from '../lambdas/settings/schema';
import { deliveryFunctionTimeoutSeconds } from './resources';

/**
 * Every setting of the schema is an optional prop named by its context key (`retrySchedule`,
 * `deliveryTimeout`, `apiType`, ...), with the rule, default and meaning in the README's settings table
 * (generated from the schema). A prop and a `-c` context value of the same key mean the same thing.
 */
export interface WebhookStackProps extends StackProps, SettingProps {}

/** Settings after defaults and validation, with what the stack derives from them. */
export type StackSettings = Settings & {
  readonly retryCount: number;
  readonly deliveryFunctionTimeoutSeconds: number;
};

/** Name of the event catalog file inside the ingest and api bundles. */
export const BUNDLED_CATALOG_FILE = 'event-catalog.json';
/** Where Lambda unpacks a function's bundle. */
const TASK_ROOT = '/var/task';

function propsLookup(props: WebhookStackProps): (key: string) => unknown {
  const values = props as Readonly<Record<string, unknown>>;
  return (key) => values[key];
}

/**
 * Applies defaults and validates every prop and their combinations (retention against the retry
 * schedule, the sweeper's grace against the delivery queue's visibility). Throws a SettingsError of one
 * line naming the key.
 */
export function resolveStackSettings(props: WebhookStackProps = {}): StackSettings {
  const settings = resolveSettings(settingsFromContext(propsLookup(props)), {
    naming: 'context',
    checkGrace: true,
  });
  return {
    ...settings,
    retryCount: settings.retrySchedule.length,
    deliveryFunctionTimeoutSeconds: deliveryFunctionTimeoutSeconds(settings.deliveryTimeout),
  };
}

/**
 * Reads the stack's settings from CDK context (`cdk synth -c retrySchedule=1m,10m`, or `"context"` in
 * cdk.json), all optional, and checks them at once, so a bad value stops the synth before anything is
 * built. Values come back as the props take them (`"5"` becomes 5; a catalog file becomes its entries).
 */
export function webhookPropsFromContext(node: Node): WebhookStackProps {
  const raw = settingsFromContext((key) => node.tryGetContext(key));
  const resolved = resolveSettings(raw, { naming: 'context', checkGrace: true });
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(raw) as SettingKey[]) {
    const kind = SETTINGS[key].kind as { toProp(value: unknown): unknown };
    props[key] = kind.toProp(resolved[key]);
  }
  return props as WebhookStackProps;
}

/**
 * What one function gets: the resource names, and each setting it reads (`usedBy` in the schema) as an
 * environment variable. The event catalog travels as a file inside the bundle (any size; the environment
 * holds 4 KB in all), with its path in `EVENT_CATALOG`.
 */
export function functionSetup(
  fn: ServiceFunctionName,
  settings: Settings,
  names: Readonly<Record<(typeof ENV)[keyof typeof ENV], string>>,
): { environment: Record<string, string>; bundledFiles?: Record<string, string> } {
  const usesCatalog = settingsUsedBy(fn).includes('eventCatalog');
  const environment = {
    ...names,
    ...environmentFor(
      fn,
      settings,
      usesCatalog ? { eventCatalog: `${TASK_ROOT}/${BUNDLED_CATALOG_FILE}` } : {},
    ),
  };
  if (!usesCatalog) return { environment };
  return {
    environment,
    bundledFiles: { [BUNDLED_CATALOG_FILE]: SETTINGS.eventCatalog.kind.format(settings.eventCatalog) },
  };
}
