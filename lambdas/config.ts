/**
 * The functions' configuration, read once at cold start: the names of the table and queues the stack
 * created, and the settings of `lambdas/settings/schema.ts` (each function gets those it uses; the rest
 * keep their defaults). Any problem throws a ConfigError naming the variable, so a bad deployment fails
 * on its first invocation instead of delivering wrongly.
 */
import { EventCatalog } from './domain/catalog';
import { ConfigError } from './domain/errors';
import type { ServiceSettings } from './domain/settings';
import { resolveSettings, settingsFromEnv } from './settings/resolve';
import { ENV, PORTAL_KEY_ENV, SECRETS_KEY_ENV } from './settings/resources';
import type { Settings } from './settings/schema';

/** The names the stack gives each function: required ones, then those only some functions get. */
const REQUIRED_NAMES = [ENV.tableName, ENV.deliveryQueueUrl, ENV.deliveryDlqUrl, ENV.retryQueueUrl] as const;
/**
 * `RETRY_DLQ_URL` (the health route reports every queue), the portal's KMS HMAC key (api only; no portal
 * without it), the key sealing endpoint secrets (api and delivery only), and the local runtime's emulators.
 */
const OPTIONAL_NAMES = [
  ENV.retryDlqUrl,
  PORTAL_KEY_ENV,
  SECRETS_KEY_ENV,
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
] as const;

/**
 * The resource names, checked by hand (present, non-empty; the table name at least 3 characters), so the
 * functions that validate no HTTP input carry no zod.
 */
function readNames(env: Record<string, string | undefined>) {
  const names: Record<string, string> = {};
  for (const key of [...REQUIRED_NAMES, ...OPTIONAL_NAMES]) {
    const value = env[key];
    const required = (REQUIRED_NAMES as readonly string[]).includes(key);
    if (value === undefined || value === '') {
      if (required) throw new ConfigError(`${key}: is required (set by the stack)`);
      continue;
    }
    if (key === ENV.tableName && value.length < 3)
      throw new ConfigError(`${key}: must be at least 3 characters`);
    names[key] = value;
  }
  return { ...names, AWS_REGION: env.AWS_REGION || 'us-east-1' };
}

export interface AppConfig {
  readonly tableName: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryDlqUrl: string;
  readonly retryQueueUrl: string;
  readonly retryDlqUrl?: string;
  readonly portalKeyId?: string;
  readonly secretsKeyId?: string;
  readonly region: string;
  readonly dynamoEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly logLevel: Settings['logLevel'];
  readonly settings: ServiceSettings;
}

/** What the domain sees of the settings. */
export function serviceSettings(s: Settings): ServiceSettings {
  return {
    brand: s.headerBrand,
    signatureScheme: s.signatureScheme,
    deliveryTimeoutMs: s.deliveryTimeout,
    retry: { delaysMs: s.retrySchedule, jitter: s.retryJitter },
    sweepGraceMs: s.sweepGrace,
    retentionDays: s.retentionDays,
    catalog: new EventCatalog(s.eventCatalog),
    maxEndpointsPerTenant: s.maxEndpointsPerTenant,
    endpointCacheTtlMs: s.endpointCacheTtl,
    fanoutCacheTtlMs: s.fanoutCacheTtl,
    allowInsecureTargets: s.allowInsecureTargets,
    operationalTenant: s.operationalTenant,
    endpointDisableAfterMs: s.endpointDisableAfter,
    ...(s.operationalEventBus !== 'none' ? { operationalEventBus: s.operationalEventBus } : {}),
    portal: {
      frameAncestors: s.portalFrameAncestors,
      brandName: s.portalBrandName,
      accentColor: s.portalAccentColor,
      tokenMaxTtlSeconds: Math.floor(s.portalTokenMaxTtl / 1000),
    },
  };
}

export interface LoadConfigOptions {
  /** The local runtime: its own defaults (`LOG_LEVEL` warn). */
  readonly local?: boolean;
}

/** Reads and validates the whole configuration once, at cold start. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): AppConfig {
  const e: Record<string, string | undefined> = readNames(env);
  const settings = resolveSettings(settingsFromEnv(env), {
    naming: 'env',
    ...(options.local ? { local: true } : {}),
  });
  return {
    tableName: e[ENV.tableName] as string,
    deliveryQueueUrl: e[ENV.deliveryQueueUrl] as string,
    deliveryDlqUrl: e[ENV.deliveryDlqUrl] as string,
    retryQueueUrl: e[ENV.retryQueueUrl] as string,
    ...(e[ENV.retryDlqUrl] ? { retryDlqUrl: e[ENV.retryDlqUrl] as string } : {}),
    ...(e[PORTAL_KEY_ENV] ? { portalKeyId: e[PORTAL_KEY_ENV] as string } : {}),
    ...(e[SECRETS_KEY_ENV] ? { secretsKeyId: e[SECRETS_KEY_ENV] as string } : {}),
    region: e.AWS_REGION as string,
    ...(e.AWS_ENDPOINT_URL_DYNAMODB ? { dynamoEndpoint: e.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    ...(e.AWS_ENDPOINT_URL_SQS ? { sqsEndpoint: e.AWS_ENDPOINT_URL_SQS } : {}),
    logLevel: settings.logLevel,
    settings: serviceSettings(settings),
  };
}
