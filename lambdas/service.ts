import { lookup } from 'node:dns/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoStore } from './adapters/dynamo-store';
import { type DataKeySource, EnvelopeSecrets } from './adapters/envelope-secrets';
import { EventBridgeBus } from './adapters/eventbridge-bus';
import { createHttpSender } from './adapters/http-sender';
import { kmsDataKeys } from './adapters/kms-data-keys';
import { queueDepths, SqsQueues } from './adapters/sqs-queues';
import { traceAwsClient } from './adapters/xray-subsegments';
import type { AppConfig } from './config';
import {
  cachedEndpoints,
  cachedTenantEndpoints,
  type EndpointLookup,
  type TenantEndpointsLookup,
} from './domain/endpoint-cache';
import { ConfigError } from './domain/errors';
import type { OperationalBus, OperationalDeps } from './domain/operational';
import { pipelineOperational } from './domain/operational-pipeline';
import type {
  Clock,
  DeliveryQueues,
  HttpSender,
  SecretOpener,
  SecretSealer,
  WebhookStore,
} from './domain/ports';
import type { ServiceSettings } from './domain/settings';
import { checkResolvedAddresses } from './domain/target-safety';
import { createLog, createTelemetry, type Log, noTelemetry, type Telemetry } from './observability';
import type { Portal } from './portal/page';
import { SECRETS_KEY_ENV } from './settings/resources';

/** Everything a handler needs, built once per process (cold start) and passed in. */
export interface Service {
  readonly store: WebhookStore;
  /** Endpoint records as the delivery path reads them: cached for `ENDPOINT_CACHE_TTL`. */
  readonly endpoints: EndpointLookup;
  /** The tenant's endpoints as fan-out reads them: cached for `FANOUT_CACHE_TTL`. */
  readonly tenantEndpoints: TenantEndpointsLookup;
  /** Seals (api) and opens (delivery) endpoint signing secrets; refuses both where no key is given. */
  readonly secrets: SecretSealer & SecretOpener;
  readonly queues: DeliveryQueues;
  readonly http: HttpSender;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  readonly log: Log;
  readonly telemetry: Telemetry;
  readonly queueDepths: () => ReturnType<typeof queueDepths>;
  readonly resolveHost: (hostname: string) => Promise<string[]>;
  readonly checkResolved: (addresses: readonly string[]) => string | undefined;
  /** The tenant portal (tokens, page); absent when the deployment has no portal key. */
  readonly portal?: Portal;
  /** Where operational events go: the operational tenant's endpoints and the event bus. */
  readonly operational: OperationalDeps;
}

export interface ServiceOverrides {
  readonly http?: HttpSender;
  readonly clock?: Clock;
  readonly log?: Log;
  readonly telemetry?: Telemetry;
  /** The tenant portal (`lambdas/portal/build.ts`): the api function and the local runtime pass one. */
  readonly portal?: Portal;
  /**
   * Where the data keys sealing endpoint secrets come from: the local runtime's key file and the tests'
   * fixed key (`localDataKeys`); on AWS, KMS with the key in SECRETS_KEY_ID.
   */
  readonly secretKeys?: DataKeySource;
  /** Where operational events are put besides the pipeline (tests record them); on AWS, EventBridge. */
  readonly bus?: OperationalBus;
}

/** True inside AWS Lambda (not in the local runtime or tests). */
export const IN_LAMBDA = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

export function buildClients(config: Pick<AppConfig, 'region' | 'dynamoEndpoint' | 'sqsEndpoint'>) {
  const common = { region: config.region, maxAttempts: 3 };
  const dynamoEndpoint = config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {};
  const dynamo = new DynamoDBClient({ ...common, ...dynamoEndpoint });
  // The hot path's conditional puts (Table.putIfAbsent): a plain client that resolves its middleware once.
  const dynamoWriter = new DynamoDBClient({ ...common, cacheMiddleware: true, ...dynamoEndpoint });
  // cacheMiddleware: the middleware stack is resolved once per command type instead of on every send (a
  // measurable share of the delivery path's CPU). Middleware must therefore be added before the first send.
  const sqs = new SQSClient({
    ...common,
    cacheMiddleware: true,
    ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
  });
  // The SDK's logger middleware filters every request and response for a logger we never give it (a
  // no-op): pure CPU on the hot path. Our own log lines say what was sent.
  dynamo.middlewareStack.remove('loggerMiddleware');
  dynamoWriter.middlewareStack.remove('loggerMiddleware');
  sqs.middlewareStack.remove('loggerMiddleware');
  return { dynamo, dynamoWriter, sqs };
}

export function buildService(
  config: AppConfig,
  overrides: ServiceOverrides = {},
  clients: ReturnType<typeof buildClients> = buildClients(config),
): Service {
  const { dynamo, sqs } = clients;
  const clock = overrides.clock ?? { now: () => Date.now() };
  const store = createDynamoStore({
    client: dynamo,
    writer: clients.dynamoWriter,
    tableName: config.tableName,
    retentionDays: config.settings.retentionDays,
    clock,
  });
  const queueUrls = [
    config.deliveryQueueUrl,
    config.deliveryDlqUrl,
    config.retryQueueUrl,
    ...(config.retryDlqUrl ? [config.retryDlqUrl] : []),
  ];
  const queues = new SqsQueues({
    client: sqs,
    deliveryQueueUrl: config.deliveryQueueUrl,
    deliveryDlqUrl: config.deliveryDlqUrl,
    retryQueueUrl: config.retryQueueUrl,
    now: () => clock.now(),
  });
  const log = overrides.log ?? createLog('webhooks');
  const telemetry = overrides.telemetry ?? (IN_LAMBDA ? createTelemetry('webhooks') : noTelemetry);
  return {
    store,
    endpoints: cachedEndpoints(
      (tenantId, endpointId) => store.getEndpoint(tenantId, endpointId, { consistent: false }),
      clock,
      config.settings.endpointCacheTtlMs ?? 5000,
    ),
    tenantEndpoints: cachedTenantEndpoints(
      (tenantId) => store.listTenantEndpoints(tenantId),
      clock,
      config.settings.fanoutCacheTtlMs ?? 0,
    ),
    secrets: secretsOf(config, clock, overrides),
    queues,
    http: overrides.http ?? createHttpSender({ allowInsecureTargets: config.settings.allowInsecureTargets }),
    clock,
    settings: config.settings,
    log,
    telemetry,
    operational: operationalOf(config, { store, queues, clock, log, telemetry }, overrides),
    queueDepths: () => queueDepths(sqs, queueUrls),
    resolveHost: async (hostname) =>
      lookup(hostname, { all: true }).then(
        (list) => list.map((a) => a.address),
        () => [],
      ),
    checkResolved: checkResolvedAddresses,
    ...(overrides.portal ? { portal: overrides.portal } : {}),
  };
}

/**
 * The envelope sealer and opener, built once per process (it caches data keys). Functions without the
 * key (ingest, retry, sweeper) get one that refuses: they never need a secret in clear, and a sealed one
 * passes through them untouched.
 */
function secretsOf(config: AppConfig, clock: Clock, overrides: ServiceOverrides): Service['secrets'] {
  const source =
    overrides.secretKeys ??
    (config.secretsKeyId
      ? kmsDataKeys(config.secretsKeyId, new KMSClient({ region: config.region, maxAttempts: 3 }))
      : undefined);
  if (source) return new EnvelopeSecrets(source, { now: () => clock.now() });
  const refuse = async (): Promise<never> => {
    throw new ConfigError(
      `${SECRETS_KEY_ENV} is not set: this function cannot seal or open endpoint secrets`,
    );
  };
  return { seal: refuse, open: refuse };
}

/**
 * Operational events go into the pipeline (published to the operational tenant like any event, signed and
 * delivered to its endpoints) and onto the event bus when one is configured. A failure is logged and
 * counted (`OperationalEventsUnsent`, alarmed on AWS): the change it reports has been made either way.
 */
function operationalOf(
  config: AppConfig,
  parts: Pick<Service, 'store' | 'queues' | 'clock' | 'log' | 'telemetry'>,
  overrides: ServiceOverrides,
): OperationalDeps {
  const { settings } = config;
  const bus =
    overrides.bus ??
    (settings.operationalEventBus
      ? new EventBridgeBus({ busName: settings.operationalEventBus, region: config.region })
      : undefined);
  return pipelineOperational(
    { store: parts.store, queues: parts.queues, clock: parts.clock, settings },
    {
      ...(bus ? { bus } : {}),
      onFailure: (event, where, error) => {
        parts.telemetry.count('OperationalEventsUnsent');
        parts.log.error('operational event not sent', {
          eventId: event.id,
          type: event.type,
          where,
          error: String(error),
        });
      },
    },
  );
}

/**
 * The service as Lambda runs it: the same, with an X-Ray subsegment for every DynamoDB and SQS call
 * (`adapters/xray-subsegments.ts`: sent to Lambda's X-Ray daemon, only when the invocation is sampled).
 */
export async function buildLambdaService(
  config: AppConfig,
  overrides: Pick<ServiceOverrides, 'portal'> = {},
): Promise<Service> {
  const clients = buildClients(config);
  if (IN_LAMBDA) {
    traceAwsClient(clients.dynamo, 'DynamoDB', config.region);
    traceAwsClient(clients.dynamoWriter, 'DynamoDB', config.region);
    traceAwsClient(clients.sqs, 'SQS', config.region);
  }
  return buildService(config, overrides, clients);
}
