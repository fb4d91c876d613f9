import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, Node } from 'constructs';
import { DEFAULTS, loadConfig } from '../lambdas/config';
import { ConfigError } from '../lambdas/domain/errors';
import { parseDuration, parseRetrySchedule } from '../lambdas/domain/retry-policy';
import { Alarms } from './constructs/alarms';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { type ApiThrottle, IngestApi } from './constructs/ingest-api';
import { Queues } from './constructs/queues';
import { Storage } from './constructs/storage';
import { deliveryFunctionTimeoutSeconds, ENV } from './resources';

export interface WebhookStackProps extends StackProps {
  /**
   * Delays between delivery attempts, e.g. `"1m,5m,30m,2h,12h"` (1 s to 12 h each, at most 20).
   * Its length also sizes the delivery queue's `maxReceiveCount`.
   * @default "1m,5m,30m,2h,12h" (DEFAULTS.retrySchedule in lambdas/config.ts)
   */
  readonly retrySchedule?: string;
  /**
   * Brand used in the signature header names (`<Brand>-Signature`): letters, digits and dashes.
   * @default "YumKiosk" (DEFAULTS.brand)
   */
  readonly headerBrand?: string;
  /**
   * HTTP timeout of one delivery attempt, e.g. `"10s"` (100 ms to 60 s). Sizes the delivery function's
   * timeout and, through it, the delivery queue's visibility timeout.
   * @default "10s" (DEFAULTS.deliveryTimeout)
   */
  readonly deliveryTimeout?: string;
  /**
   * Days events and deliveries are kept before DynamoDB TTL removes them (1 to 365).
   * @default 30 (DEFAULTS.retentionDays)
   */
  readonly retentionDays?: number;
  /**
   * Email address subscribed to the alarm topic.
   * @default - alarms publish to the topic with no subscriber
   */
  readonly alarmEmail?: string;
  /**
   * Maximum concurrent invocations of the delivery function (event source `maxConcurrency`, 2 to 1000).
   * Caps outbound load and keeps account concurrency free for the API.
   * @default 20
   */
  readonly deliveryConcurrency?: number;
  /**
   * API stage throttling.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Retention of every function and access log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Settings after defaults and validation. */
export interface ResolvedSettings {
  readonly retrySchedule: string;
  readonly retryCount: number;
  readonly headerBrand: string;
  readonly deliveryTimeout: string;
  readonly deliveryTimeoutMs: number;
  readonly retentionDays: number;
  readonly deliveryConcurrency: number;
  readonly apiThrottle: ApiThrottle;
  readonly alarmEmail?: string;
}

/** Environment variable of lambdas/config.ts behind each prop, to name the prop in errors. */
const PROP_OF_VARIABLE: Record<string, keyof WebhookStackProps> = {
  RETRY_SCHEDULE: 'retrySchedule',
  HEADER_BRAND: 'headerBrand',
  DELIVERY_TIMEOUT: 'deliveryTimeout',
  RETENTION_DAYS: 'retentionDays',
};

function settingsEnvironment(s: Omit<ResolvedSettings, 'retryCount' | 'deliveryTimeoutMs'>) {
  return {
    RETRY_SCHEDULE: s.retrySchedule,
    HEADER_BRAND: s.headerBrand,
    DELIVERY_TIMEOUT: s.deliveryTimeout,
    RETENTION_DAYS: String(s.retentionDays),
    // Not configurable on AWS: deployed functions only deliver to public HTTPS targets.
    ALLOW_INSECURE_TARGETS: 'false',
  };
}

/**
 * Applies defaults and validates every prop at synth time, with a message naming the prop. The values the
 * functions will read are also run through the functions' own config schema (`loadConfig`), so a stack
 * that synthesizes cannot deploy functions that fail at cold start.
 */
export function resolveSettings(props: WebhookStackProps = {}): ResolvedSettings {
  const retrySchedule = props.retrySchedule ?? DEFAULTS.retrySchedule;
  const retryCount = parseRetrySchedule(retrySchedule, 'retrySchedule').length;

  const deliveryTimeout = props.deliveryTimeout ?? DEFAULTS.deliveryTimeout;
  let deliveryTimeoutMs: number;
  try {
    deliveryTimeoutMs = parseDuration(deliveryTimeout);
  } catch (err) {
    throw new ConfigError(`deliveryTimeout: ${(err as Error).message}`);
  }

  const deliveryConcurrency = props.deliveryConcurrency ?? 20;
  if (!Number.isInteger(deliveryConcurrency) || deliveryConcurrency < 2 || deliveryConcurrency > 1000)
    throw new ConfigError(
      `deliveryConcurrency: must be an integer from 2 to 1000, got ${deliveryConcurrency}`,
    );

  const apiThrottle = props.apiThrottle ?? { rateLimit: 100, burstLimit: 200 };
  if (!(apiThrottle.rateLimit > 0) || !Number.isInteger(apiThrottle.burstLimit) || apiThrottle.burstLimit < 1)
    throw new ConfigError(
      `apiThrottle: rateLimit must be above 0 and burstLimit an integer of at least 1, got ${JSON.stringify(apiThrottle)}`,
    );

  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail))
    throw new ConfigError(`alarmEmail: "${props.alarmEmail}" is not an email address`);

  const settings = {
    retrySchedule,
    headerBrand: props.headerBrand ?? DEFAULTS.brand,
    deliveryTimeout,
    retentionDays: props.retentionDays ?? DEFAULTS.retentionDays,
    deliveryConcurrency,
    apiThrottle,
    ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
  };
  try {
    loadConfig({
      [ENV.tableName]: 'synth-check',
      [ENV.deliveryQueueUrl]: 'synth-check',
      [ENV.deliveryDlqUrl]: 'synth-check',
      [ENV.retryQueueUrl]: 'synth-check',
      ...settingsEnvironment(settings),
    });
  } catch (err) {
    const message = (err as Error).message.replace(
      /^([A-Z_]+)(?=\W)/,
      (variable) => PROP_OF_VARIABLE[variable] ?? variable,
    );
    throw new ConfigError(message);
  }
  return { ...settings, retryCount, deliveryTimeoutMs };
}

function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ConfigError(`${key}: context value must be a string`);
  return value;
}

function contextInteger(node: Node, key: string): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new ConfigError(`${key}: context value must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Reads the stack's settings from CDK context (`cdk synth -c retrySchedule=1m,10m`), all optional.
 * Types are checked here; ranges by `resolveSettings` when the stack is built.
 */
export function webhookPropsFromContext(node: Node): WebhookStackProps {
  if (node.tryGetContext('allowInsecureTargets') !== undefined)
    throw new ConfigError(
      'allowInsecureTargets: not available on AWS; deployed functions always refuse private and non-HTTPS ' +
        'targets. Use the local runtime (npm start) to deliver to local receivers.',
    );
  const props: Record<string, string | number> = {};
  for (const key of ['retrySchedule', 'headerBrand', 'deliveryTimeout', 'alarmEmail'] as const) {
    const value = contextString(node, key);
    if (value !== undefined) props[key] = value;
  }
  for (const key of ['retentionDays', 'deliveryConcurrency'] as const) {
    const value = contextInteger(node, key);
    if (value !== undefined) props[key] = value;
  }
  return props as WebhookStackProps;
}

/**
 * The whole service: table and queues (encrypted with one customer managed key), the IAM-authenticated
 * REST API with the ingest and api functions, the delivery pipeline, and alarms.
 */
export class WebhookStack extends Stack {
  public readonly settings: ResolvedSettings;
  public readonly encryptionKey: kms.Key;
  public readonly storage: Storage;
  public readonly queues: Queues;
  public readonly ingestApi: IngestApi;
  public readonly pipeline: DeliveryPipeline;
  public readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: WebhookStackProps = {}) {
    super(scope, id, {
      description: 'Serverless webhook delivery: ingest, fan out, sign, deliver, retry, dead-letter',
      ...props,
    });
    const settings = resolveSettings(props);
    this.settings = settings;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Encrypts the webhook table, queues and alarm topic',
      enableKeyRotation: true,
    });
    this.storage = new Storage(this, 'Storage', { encryptionKey: this.encryptionKey });

    const deliveryFunctionTimeout = Duration.seconds(
      deliveryFunctionTimeoutSeconds(settings.deliveryTimeoutMs),
    );
    this.queues = new Queues(this, 'Queues', {
      encryptionKey: this.encryptionKey,
      deliveryFunctionTimeout,
      retryCount: settings.retryCount,
    });

    const { table } = this.storage;
    const environment: Record<string, string> = {
      [ENV.tableName]: table.tableName,
      [ENV.deliveryQueueUrl]: this.queues.deliveryQueue.queueUrl,
      [ENV.deliveryDlqUrl]: this.queues.deliveryDlq.queueUrl,
      [ENV.retryQueueUrl]: this.queues.retryQueue.queueUrl,
      [ENV.retryDlqUrl]: this.queues.retryDlq.queueUrl,
      ...settingsEnvironment(settings),
    };
    const logRetention = props.logRetention ? { logRetention: props.logRetention } : {};

    this.ingestApi = new IngestApi(this, 'IngestApi', {
      table,
      queues: this.queues,
      environment,
      throttle: settings.apiThrottle,
      ...logRetention,
    });
    this.pipeline = new DeliveryPipeline(this, 'DeliveryPipeline', {
      table,
      queues: this.queues,
      environment,
      deliveryFunctionTimeout,
      deliveryConcurrency: settings.deliveryConcurrency,
      ...logRetention,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      encryptionKey: this.encryptionKey,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      deadLetterQueues: [this.queues.deliveryDlq, this.queues.retryDlq],
      functions: {
        Ingest: this.ingestApi.ingestFunction,
        Api: this.ingestApi.apiFunction,
        Delivery: this.pipeline.deliveryFunction,
        Retry: this.pipeline.retryFunction,
        Sweeper: this.pipeline.sweeperFunction,
      },
      api: this.ingestApi.api,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.ingestApi.api.url });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.queues.deliveryQueue.queueUrl });
    new CfnOutput(this, 'DeliveryDlqUrl', { value: this.queues.deliveryDlq.queueUrl });
    new CfnOutput(this, 'RetryDlqUrl', { value: this.queues.retryDlq.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
