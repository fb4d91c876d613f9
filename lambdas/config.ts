import * as z from 'zod';
import { ENV } from '../lib/resources';
import { DEFAULT_CATALOG, EventCatalog, type EventTypeInfo } from './domain/catalog';
import { ConfigError } from './domain/errors';
import { parseDuration, parseRetrySchedule } from './domain/retry-policy';
import type { ServiceSettings } from './domain/settings';

/** Defaults shared by the stack, the local runtime and the handlers. */
export const DEFAULTS = {
  retrySchedule: '1m,5m,30m,2h,12h',
  brand: 'YumKiosk',
  deliveryTimeout: '10s',
  retentionDays: 30,
  sweepGrace: '15m',
  maxEndpointsPerTenant: 50,
  endpointCacheTtl: '5s',
} as const;

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

const EnvSchema = z.object({
  [ENV.tableName]: z.string().min(3),
  [ENV.deliveryQueueUrl]: z.string().min(1),
  [ENV.deliveryDlqUrl]: z.string().min(1),
  [ENV.retryQueueUrl]: z.string().min(1),
  /** Only read by the health route, which reports every queue. */
  [ENV.retryDlqUrl]: z.string().min(1).optional(),
  RETRY_SCHEDULE: z.string().default(DEFAULTS.retrySchedule),
  RETRY_JITTER: z.coerce.number().min(0).max(0.5).default(0),
  HEADER_BRAND: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'must be letters, digits and dashes, starting with a letter')
    .default(DEFAULTS.brand),
  SIGNATURE_SCHEME: z.enum(['yumkiosk', 'standard-webhooks']).default('yumkiosk'),
  DELIVERY_TIMEOUT: z.string().default(DEFAULTS.deliveryTimeout),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(DEFAULTS.retentionDays),
  SWEEP_GRACE: z.string().default(DEFAULTS.sweepGrace),
  MAX_ENDPOINTS_PER_TENANT: z.coerce.number().int().min(1).max(500).default(DEFAULTS.maxEndpointsPerTenant),
  ENDPOINT_CACHE_TTL: z.string().default(DEFAULTS.endpointCacheTtl),
  ALLOW_INSECURE_TARGETS: booleanFlag.default(false),
  /** JSON array of `{ type, description }`; the YumKiosk catalog when unset. */
  EVENT_CATALOG: z.string().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Local runtime only: where the emulators listen. */
  AWS_ENDPOINT_URL_DYNAMODB: z.string().optional(),
  AWS_ENDPOINT_URL_SQS: z.string().optional(),
});

export interface AppConfig {
  readonly tableName: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryDlqUrl: string;
  readonly retryQueueUrl: string;
  readonly retryDlqUrl?: string;
  readonly region: string;
  readonly dynamoEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly settings: ServiceSettings;
}

const CatalogSchema = z
  .array(z.object({ type: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/), description: z.string() }))
  .min(1);

function parseCatalog(text: string | undefined): EventTypeInfo[] {
  if (text === undefined) return [...DEFAULT_CATALOG];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('EVENT_CATALOG must be a JSON array of { "type", "description" }');
  }
  const result = CatalogSchema.safeParse(json);
  if (!result.success)
    throw new ConfigError(`EVENT_CATALOG: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

function durationVar(name: string, text: string, min: number, max: number): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
  if (ms < min || ms > max) throw new ConfigError(`${name}: ${text} is outside ${min} ms to ${max} ms`);
  return ms;
}

/**
 * Reads and validates the whole configuration once, at cold start. Any problem throws a ConfigError
 * naming the variable, so a bad deployment fails on its first invocation instead of delivering wrongly.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = result.data;
  const settings: ServiceSettings = {
    brand: e.HEADER_BRAND,
    signatureScheme: e.SIGNATURE_SCHEME,
    deliveryTimeoutMs: durationVar('DELIVERY_TIMEOUT', e.DELIVERY_TIMEOUT, 100, 60_000),
    retry: { delaysMs: parseRetrySchedule(e.RETRY_SCHEDULE), jitter: e.RETRY_JITTER },
    sweepGraceMs: durationVar('SWEEP_GRACE', e.SWEEP_GRACE, 1000, 24 * 3_600_000),
    retentionDays: e.RETENTION_DAYS,
    catalog: new EventCatalog(parseCatalog(e.EVENT_CATALOG)),
    maxEndpointsPerTenant: e.MAX_ENDPOINTS_PER_TENANT,
    allowInsecureTargets: e.ALLOW_INSECURE_TARGETS,
    endpointCacheTtlMs:
      e.ENDPOINT_CACHE_TTL === '0' ? 0 : durationVar('ENDPOINT_CACHE_TTL', e.ENDPOINT_CACHE_TTL, 0, 60_000),
  };
  return {
    tableName: e[ENV.tableName] as string,
    deliveryQueueUrl: e[ENV.deliveryQueueUrl] as string,
    deliveryDlqUrl: e[ENV.deliveryDlqUrl] as string,
    retryQueueUrl: e[ENV.retryQueueUrl] as string,
    ...(e[ENV.retryDlqUrl] ? { retryDlqUrl: e[ENV.retryDlqUrl] as string } : {}),
    region: e.AWS_REGION,
    ...(e.AWS_ENDPOINT_URL_DYNAMODB ? { dynamoEndpoint: e.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    ...(e.AWS_ENDPOINT_URL_SQS ? { sqsEndpoint: e.AWS_ENDPOINT_URL_SQS } : {}),
    settings,
  };
}
