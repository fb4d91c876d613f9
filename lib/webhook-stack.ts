import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Alarms } from './constructs/alarms';
import { OperationsDashboard } from './constructs/dashboard';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { ExamplePublisher } from './constructs/example-publisher';
import { IngestApi } from './constructs/ingest-api';
import { OperationalEvents } from './constructs/operational-events';
import { Portal } from './constructs/portal';
import { Queues } from './constructs/queues';
import { SecretsKey } from './constructs/secrets-key';
import type { FunctionSetup } from './constructs/service-function';
import { Storage } from './constructs/storage';
import { ENV } from './resources';
import {
  functionSetup,
  resolveStackSettings,
  type StackSettings,
  type WebhookStackProps,
} from './stack-settings';

export { type StackSettings, type WebhookStackProps, webhookPropsFromContext } from './stack-settings';

/**
 * The whole service: table and queues (encrypted with one customer managed key), the IAM-authenticated
 * API (HTTP API by default, REST with `apiType: 'rest'`) with the ingest and api functions, the delivery
 * pipeline, alarms with a dashboard, the tenant portal (token key, authorizer, page) and the example publisher.
 */
export class WebhookStack extends Stack {
  public readonly settings: StackSettings;
  public readonly encryptionKey: kms.Key;
  public readonly storage: Storage;
  public readonly queues: Queues;
  public readonly ingestApi: IngestApi;
  public readonly pipeline: DeliveryPipeline;
  /** Seals endpoint secrets: the api function seals, the delivery function opens, no other can. */
  public readonly secretsKey: SecretsKey;
  public readonly alarms: Alarms;
  public readonly dashboard: OperationsDashboard;
  /** Absent when `examplePublisher` is false. */
  public readonly examplePublisher?: ExamplePublisher;
  /** The tenant portal's token key and authorizer; absent when `portal` is false. */
  public readonly portal?: Portal;
  /** Operational events on EventBridge; absent when `operationalEventBus` is `none`. */
  public readonly operationalEvents?: OperationalEvents;

  constructor(scope: Construct, id: string, props: WebhookStackProps = {}) {
    super(scope, id, {
      description: 'Serverless webhook delivery: ingest, fan out, sign, deliver, retry, dead-letter',
      ...props,
    });
    const settings = resolveStackSettings(props);
    this.settings = settings;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Encrypts the webhook table, queues and alarm topic',
      enableKeyRotation: true,
    });
    this.storage = new Storage(this, 'Storage', { encryptionKey: this.encryptionKey });

    const deliveryFunctionTimeout = Duration.seconds(settings.deliveryFunctionTimeoutSeconds);
    this.queues = new Queues(this, 'Queues', {
      encryptionKey: this.encryptionKey,
      deliveryFunctionTimeout,
      retryCount: settings.retryCount,
    });

    const { table } = this.storage;
    const names = {
      [ENV.tableName]: table.tableName,
      [ENV.deliveryQueueUrl]: this.queues.deliveryQueue.queueUrl,
      [ENV.deliveryDlqUrl]: this.queues.deliveryDlq.queueUrl,
      [ENV.retryQueueUrl]: this.queues.retryQueue.queueUrl,
      [ENV.retryDlqUrl]: this.queues.retryDlq.queueUrl,
    };
    // The values are CloudWatch Logs retention periods, which is what RetentionDays enumerates.
    const logRetention = { logRetention: settings.logRetentionDays as logs.RetentionDays };
    if (settings.portal) this.portal = new Portal(this, 'Portal', logRetention);
    const portal = this.portal;
    const setup: FunctionSetup = {
      of: (fn) => {
        const base = functionSetup(fn, settings, names);
        if (fn !== 'api' || !portal) return base;
        // The api function mints and checks portal tokens and serves the page.
        return {
          environment: { ...base.environment, ...portal.apiEnvironment },
          bundledFiles: { ...base.bundledFiles, ...Portal.apiBundledFiles() },
        };
      },
    };

    this.ingestApi = new IngestApi(this, 'IngestApi', {
      table,
      queues: this.queues,
      setup,
      apiType: settings.apiType,
      ...(portal ? { portal } : {}),
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      ...logRetention,
    });
    this.pipeline = new DeliveryPipeline(this, 'DeliveryPipeline', {
      table,
      queues: this.queues,
      setup,
      deliveryFunctionTimeout,
      deliveryConcurrency: settings.deliveryConcurrency,
      ...logRetention,
    });
    this.secretsKey = new SecretsKey(this, 'SecretsKey');
    this.secretsKey.grantSeal(this.ingestApi.apiFunction);
    this.secretsKey.grantOpen(this.pipeline.deliveryFunction);
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
      ...(portal ? { PortalAuthorizer: portal.authorizerFunction } : {}),
    };
    this.alarms = new Alarms(this, 'Alarms', {
      encryptionKey: this.encryptionKey,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      deliveryQueue: this.queues.deliveryQueue,
      deliveryDlq: this.queues.deliveryDlq,
      retryDlq: this.queues.retryDlq,
      // The example publisher is left out: its caller gets its errors synchronously.
      functions: serviceFunctions,
      api: this.ingestApi.api.metrics,
      deliveryFailureThreshold: settings.deliveryFailureThreshold,
      // The sweeper's grace: past it, the service itself treats a pending delivery as stalled, so a
      // message that old on the queue means deliveries are not moving.
      deliveryQueueAgeThreshold: Duration.millis(settings.sweepGrace),
    });
    if (settings.operationalEventBus !== 'none') {
      this.operationalEvents = new OperationalEvents(this, 'OperationalEvents', {
        busName: settings.operationalEventBus,
        publishers: [this.ingestApi.apiFunction, this.pipeline.deliveryFunction],
        alarmTopic: this.alarms.topic,
        topicKey: this.encryptionKey,
      });
    }
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
      api: this.ingestApi.api.metrics,
      alarms: this.alarms.alarms,
      deliveryFailuresAlarm: this.alarms.deliveryFailures,
      deliveryQueueAgeAlarm: this.alarms.deliveryQueueAge,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.ingestApi.api.url });
    if (portal)
      new CfnOutput(this, 'PortalTokensUrl', {
        description: 'POST (SigV4) {"tenantId":"acme"} here for a portal link (docs/api.md)',
        value: `${this.ingestApi.api.url}v1/portal-tokens`,
      });
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
