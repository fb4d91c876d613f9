/**
 * The functions' configuration, read once at cold start: the names of the table and queues the stack
 * created, and the settings of `lambdas/settings/schema.ts` (each function gets those it uses; the rest
 * keep their defaults). Any problem throws a ConfigError naming the variable, so a bad deployment fails
 * on its first invocation instead of delivering wrongly.
 */
import * as z from 'zod';
import { EventCatalog } from './domain/catalog';
import { ConfigError } from './domain/errors';
import type { ServiceSettings } from './domain/settings';
import { resolveSettings, settingsFromEnv } from './settings/resolve';
import { ENV, PORTAL_KEY_ENV, SECRETS_KEY_ENV } from './settings/resources';
import type { Settings } from './settings/schema';

const NamesSchema = z.object({
  [ENV.tableName]: z.string().min(3),
  [ENV.deliveryQueueUrl]: z.string().min(1),
  [ENV.deliveryDlqUrl]: z.string().min(1),
  [ENV.retryQueueUrl]: z.string().min(1),
  /** Only read by the health route, which reports every queue. */
  [ENV.retryDlqUrl]: z.string().min(1).optional(),
  /** The portal's KMS HMAC key (api function only); no portal without it. */
  [PORTAL_KEY_ENV]: z.string().min(1).optional(),
  /** The KMS key sealing endpoint secrets (api and delivery functions only). */
  [SECRETS_KEY_ENV]: z.string().min(1).optional(),
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
  const result = NamesSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = result.data;
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
    region: e.AWS_REGION,
    ...(e.AWS_ENDPOINT_URL_DYNAMODB ? { dynamoEndpoint: e.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    ...(e.AWS_ENDPOINT_URL_SQS ? { sqsEndpoint: e.AWS_ENDPOINT_URL_SQS } : {}),
    logLevel: settings.logLevel,
    settings: serviceSettings(settings),
  };
}
