import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, Node } from 'constructs';
import { DEFAULTS, loadConfig } from '../lambdas/config';
import { ConfigError } from '../lambdas/domain/errors';
import type { SignatureScheme } from '../lambdas/domain/request';
import { parseDuration, parseRetrySchedule } from '../lambdas/domain/retry-policy';
import { Alarms } from './constructs/alarms';
import { OperationsDashboard } from './constructs/dashboard';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { ExamplePublisher } from './constructs/example-publisher';
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
   * How deliveries are signed: `"yumkiosk"` (`<Brand>-Signature: t=...,v1=<hex>`, Stripe style) or
   * `"standard-webhooks"` (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`). One scheme
   * per deployment; receivers verify with `verify()` or `verifyStandardWebhook()` of clients/receiver.ts.
   * @default "yumkiosk"
   */
  readonly signatureScheme?: SignatureScheme;
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
   * Final delivery failures (the `DeliveryFailed` metric) within 5 minutes that raise the delivery failures
   * alarm (1 to 10,000).
   *
   * The default, 1, alarms on every burst of final failures. A final failure means a receiver refused or
   * missed one event through the whole retry schedule (about 14.5 h by default), which is rare and worth a
   * look each time; and the DLQ alarm cannot stand in for it, because it notifies once when the DLQ stops
   * being empty and then stays in alarm, silent about later failures, until someone empties the DLQ. Raise
   * it if failing customer endpoints are routine in your deployment and only a wider outage should notify.
   * @default 1
   */
  readonly deliveryFailureThreshold?: number;
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
  /**
   * Deploy the example publisher function (`lambdas/example-publisher`), allowed to call `POST /v1/events`
   * and nothing else. Turn it off where no one should publish by invoking a function by hand.
   * @default true
   */
  readonly examplePublisher?: boolean;
}

const SIGNATURE_SCHEMES: readonly SignatureScheme[] = ['yumkiosk', 'standard-webhooks'];

/** Settings after defaults and validation. */
export interface ResolvedSettings {
  readonly retrySchedule: string;
  readonly retryCount: number;
  readonly headerBrand: string;
  readonly signatureScheme: SignatureScheme;
  readonly deliveryTimeout: string;
  readonly deliveryTimeoutMs: number;
  readonly retentionDays: number;
  readonly deliveryConcurrency: number;
  readonly deliveryFailureThreshold: number;
  readonly apiThrottle: ApiThrottle;
  readonly alarmEmail?: string;
  readonly examplePublisher: boolean;
}

/** Environment variable of lambdas/config.ts behind each prop, to name the prop in errors. */
const PROP_OF_VARIABLE: Record<string, keyof WebhookStackProps> = {
  RETRY_SCHEDULE: 'retrySchedule',
  HEADER_BRAND: 'headerBrand',
  SIGNATURE_SCHEME: 'signatureScheme',
  DELIVERY_TIMEOUT: 'deliveryTimeout',
  RETENTION_DAYS: 'retentionDays',
};

function settingsEnvironment(
  s: Pick<
    ResolvedSettings,
    'retrySchedule' | 'headerBrand' | 'signatureScheme' | 'deliveryTimeout' | 'retentionDays'
  >,
) {
  return {
    RETRY_SCHEDULE: s.retrySchedule,
    HEADER_BRAND: s.headerBrand,
    SIGNATURE_SCHEME: s.signatureScheme,
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

  const signatureScheme = props.signatureScheme ?? 'yumkiosk';
  if (!SIGNATURE_SCHEMES.includes(signatureScheme))
    throw new ConfigError(
      `signatureScheme: must be ${SIGNATURE_SCHEMES.map((s) => `"${s}"`).join(' or ')}, got ${JSON.stringify(signatureScheme)}`,
    );

  const deliveryFailureThreshold = props.deliveryFailureThreshold ?? 1;
  if (
    !Number.isInteger(deliveryFailureThreshold) ||
    deliveryFailureThreshold < 1 ||
    deliveryFailureThreshold > 10_000
  )
    throw new ConfigError(
      `deliveryFailureThreshold: must be an integer from 1 to 10000, got ${deliveryFailureThreshold}`,
    );

  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail))
    throw new ConfigError(`alarmEmail: "${props.alarmEmail}" is not an email address`);

  const settings = {
    retrySchedule,
    headerBrand: props.headerBrand ?? DEFAULTS.brand,
    signatureScheme,
    deliveryTimeout,
    retentionDays: props.retentionDays ?? DEFAULTS.retentionDays,
    deliveryConcurrency,
    deliveryFailureThreshold,
    apiThrottle,
    ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
    examplePublisher: props.examplePublisher ?? true,
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

function contextBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigError(`${key}: context value must be true or false, got ${JSON.stringify(value)}`);
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
  const props: Record<string, string | number | boolean> = {};
  for (const key of [
    'retrySchedule',
    'headerBrand',
    'signatureScheme',
    'deliveryTimeout',
    'alarmEmail',
  ] as const) {
    const value = contextString(node, key);
    if (value !== undefined) props[key] = value;
  }
  for (const key of ['retentionDays', 'deliveryConcurrency', 'deliveryFailureThreshold'] as const) {
    const value = contextInteger(node, key);
    if (value !== undefined) props[key] = value;
  }
  const examplePublisher = contextBoolean(node, 'examplePublisher');
  if (examplePublisher !== undefined) props.examplePublisher = examplePublisher;
  return props as WebhookStackProps;
}

/**
 * The whole service: table and queues (encrypted with one customer managed key), the IAM-authenticated
 * REST API with the ingest and api functions, the delivery pipeline, alarms with a dashboard, and the
 * example publisher.
 */
export class WebhookStack extends Stack {
  public readonly settings: ResolvedSettings;
  public readonly encryptionKey: kms.Key;
  public readonly storage: Storage;
  public readonly queues: Queues;
  public readonly ingestApi: IngestApi;
  public readonly pipeline: DeliveryPipeline;
  public readonly alarms: Alarms;
  public readonly dashboard: OperationsDashboard;
  /** Absent when `examplePublisher` is false. */
  public readonly examplePublisher?: ExamplePublisher;

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
    if (settings.examplePublisher) {
      this.examplePublisher = new ExamplePublisher(this, 'ExamplePublisher', {
        api: this.ingestApi.api,
        ...logRetention,
      });
    }

    const serviceFunctions = {
      Ingest: this.ingestApi.ingestFunction,
      Api: this.ingestApi.apiFunction,
      Delivery: this.pipeline.deliveryFunction,
      Retry: this.pipeline.retryFunction,
      Sweeper: this.pipeline.sweeperFunction,
    };
    this.alarms = new Alarms(this, 'Alarms', {
      encryptionKey: this.encryptionKey,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      deliveryQueue: this.queues.deliveryQueue,
      deliveryDlq: this.queues.deliveryDlq,
      retryDlq: this.queues.retryDlq,
      // The example publisher is left out: its caller gets its errors synchronously.
      functions: serviceFunctions,
      api: this.ingestApi.api,
      deliveryFailureThreshold: settings.deliveryFailureThreshold,
      // The sweeper's grace (the functions run with the default): past it, the service itself treats a
      // pending delivery as stalled, so a message that old on the queue means deliveries are not moving.
      deliveryQueueAgeThreshold: Duration.millis(parseDuration(DEFAULTS.sweepGrace)),
    });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      // Dashboards are global to the account: the region keeps two regional deployments apart.
      dashboardName: `${this.stackName}-${this.region}`,
      queues: {
        delivery: this.queues.deliveryQueue,
        'delivery DLQ': this.queues.deliveryDlq,
        retry: this.queues.retryQueue,
        'retry DLQ': this.queues.retryDlq,
      },
      deliveryQueue: this.queues.deliveryQueue,
      functions: {
        ...serviceFunctions,
        ...(this.examplePublisher ? { ExamplePublisher: this.examplePublisher.function } : {}),
      },
      deliveryFunction: this.pipeline.deliveryFunction,
      deliveryConcurrency: settings.deliveryConcurrency,
      api: this.ingestApi.api,
      alarms: this.alarms.alarms,
      deliveryFailuresAlarm: this.alarms.deliveryFailures,
      deliveryQueueAgeAlarm: this.alarms.deliveryQueueAge,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.ingestApi.api.url });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.queues.deliveryQueue.queueUrl });
    new CfnOutput(this, 'DeliveryDlqUrl', { value: this.queues.deliveryDlq.queueUrl });
    new CfnOutput(this, 'RetryDlqUrl', { value: this.queues.retryDlq.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
    if (this.examplePublisher)
      new CfnOutput(this, 'ExamplePublisherFunctionName', {
        value: this.examplePublisher.function.functionName,
      });
  }
}
