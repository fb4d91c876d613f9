/**
 * The whole service in one Node process: emulators, tables and queues from the stack's definitions, the
 * HTTP routes, the queue pollers and the sweeper, all wired to the same handlers Lambda runs.
 */
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localDataKeys } from '../lambdas/adapters/local-data-keys';
import { makeApiHandler } from '../lambdas/api/handler';
import { type AppConfig, loadConfig } from '../lambdas/config';
import { makeDeliveryHandler } from '../lambdas/delivery/handler';
import type { Clock, HttpSender } from '../lambdas/domain/ports';
import { makeIngestHandler } from '../lambdas/ingest/handler';
import { createLog, type Log } from '../lambdas/observability';
import { portalOf } from '../lambdas/portal/build';
import { makeRetryHandler } from '../lambdas/retry/handler';
import { buildService, type Service } from '../lambdas/service';
import { resolveSettings, settingsFromEnv } from '../lambdas/settings/resolve';
import { makeSweeperHandler } from '../lambdas/sweeper/handler';
import { deliveryFunctionTimeoutSeconds, deliveryVisibilitySeconds, ENV } from '../lib/resources';
import { startApiServer } from './api-server';
import {
  type DynamoHandle,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type SqsHandle,
  startDynamo,
  startSqs,
} from './emulators';
import { type Poller, startPoller } from './poller';
import { localPortalAssets, localPortalKey } from './portal';
import { createQueues, createTable, type LocalQueues } from './provision';
import { localSecretsKey } from './secrets-key';

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** Keep DynamoDB's data on disk here; in memory when unset. */
  readonly dataDir?: string;
  /**
   * Service settings as environment variables (RETRY_SCHEDULE, ALLOW_INSECURE_TARGETS, ...; every `env` of
   * lambdas/settings/schema.ts), read and checked as the functions read them.
   */
  readonly env?: Record<string, string | undefined>;
  /** Use an already running DynamoDB Local instead of starting one (tests share one JVM). */
  readonly dynamoEndpoint?: string;
  /** Prefix of the table name, so several runtimes can share one DynamoDB Local. */
  readonly tablePrefix?: string;
  readonly sweepIntervalMs?: number;
  /** Concurrent delivery "invocations". */
  readonly deliveryConcurrency?: number;
  readonly http?: HttpSender;
  readonly clock?: Clock;
  readonly log?: Log;
  /**
   * Lets a test put something (a fault proxy) between the service's AWS clients and an emulator: gets the
   * emulator's endpoint, returns the one the service should use. Provisioning still talks to the emulator.
   */
  readonly routeThrough?: (service: 'dynamodb' | 'sqs', endpoint: string) => Promise<string>;
}

export interface Runtime {
  readonly url: string;
  readonly port: number;
  readonly config: AppConfig;
  readonly service: Service;
  readonly queues: LocalQueues;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  readonly dynamoPid: number | undefined;
  /** Runs the sweeper once now. */
  sweep(options?: { everything?: boolean }): Promise<{ requeued: number }>;
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLog('local');
  const env = { ...options.env };
  // Fail on bad configuration before starting anything: the same schema and checks as the functions'.
  const settings = resolveSettings(settingsFromEnv(env), { naming: 'env', local: true });
  const retryCount = settings.retrySchedule.length;
  const functionTimeoutSeconds = deliveryFunctionTimeoutSeconds(settings.deliveryTimeout);

  // Node 20 is fine locally; Lambda runs Node 22. The SDK's end-of-support notice is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;

  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse())
      await stop().catch((e) => log.error('stop failed', { error: String(e) }));
    stoppers.length = 0;
  };

  try {
    let dynamoHandle: DynamoHandle | undefined;
    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      dynamoHandle = await startDynamo(options.dataDir ? { dataDir: options.dataDir } : {});
      stoppers.push(() => dynamoHandle!.stop());
      dynamoEndpoint = dynamoHandle.endpoint;
    }
    const sqsHandle: SqsHandle = await startSqs();
    stoppers.push(() => sqsHandle.stop());

    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const dynamo = new DynamoDBClient({ ...clientConfig, endpoint: dynamoEndpoint });
    const sqs = new SQSClient({ ...clientConfig, cacheMiddleware: true, endpoint: sqsHandle.endpoint });
    stoppers.push(async () => {
      dynamo.destroy();
      sqs.destroy();
    });

    const tableName = `${options.tablePrefix ?? ''}webhooks`;
    await createTable(dynamo, tableName);
    const queues = await createQueues(sqs, {
      retryCount,
      deliveryVisibilitySeconds: deliveryVisibilitySeconds(functionTimeoutSeconds),
    });

    const config = loadConfig(
      {
        ...env,
        [ENV.tableName]: tableName,
        [ENV.deliveryQueueUrl]: queues.deliveryQueueUrl,
        [ENV.deliveryDlqUrl]: queues.deliveryDlqUrl,
        [ENV.retryQueueUrl]: queues.retryQueueUrl,
        [ENV.retryDlqUrl]: queues.retryDlqUrl,
        AWS_REGION: LOCAL_REGION,
        AWS_ENDPOINT_URL_DYNAMODB: options.routeThrough
          ? await options.routeThrough('dynamodb', dynamoEndpoint)
          : dynamoEndpoint,
        AWS_ENDPOINT_URL_SQS: options.routeThrough
          ? await options.routeThrough('sqs', sqsHandle.endpoint)
          : sqsHandle.endpoint,
      },
      { local: true },
    );
    const portal = portalOf(config, options.clock ?? { now: () => Date.now() }, {
      portalKey: localPortalKey(options.dataDir),
      portalAssets: localPortalAssets(),
    });
    const service = buildService(config, {
      log,
      ...(portal ? { portal } : {}),
      secretKeys: localDataKeys(localSecretsKey(options.dataDir)),
      ...(options.http ? { http: options.http } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const ingest = makeIngestHandler(service);
    const api = makeApiHandler(service);
    const deliver = makeDeliveryHandler(service);
    const retry = makeRetryHandler(service);
    const sweeper = makeSweeperHandler(service);
    const lambdaContext = {} as never;

    const pollers: Poller[] = [
      startPoller({
        client: sqs,
        queueUrl: queues.deliveryQueueUrl,
        handler: deliver,
        concurrency: options.deliveryConcurrency ?? 8,
        functionTimeoutMs: functionTimeoutSeconds * 1000,
        onError: (error) => log.error('delivery poller', { error: String(error) }),
      }),
      startPoller({
        client: sqs,
        queueUrl: queues.retryQueueUrl,
        handler: retry,
        concurrency: 2,
        functionTimeoutMs: 60_000,
        onError: (error) => log.error('retry poller', { error: String(error) }),
      }),
    ];
    stoppers.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });

    // The queues are new, so nothing pending in the table can have a message: queue them all again.
    const startup = await sweeper(undefined, { everything: true });
    if (startup.requeued > 0) log.info('re-enqueued pending deliveries found at start', startup);

    let sweeping = false;
    const timer = setInterval(async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        await sweeper();
      } catch (error) {
        log.error('sweeper failed', { error: String(error) });
      } finally {
        sweeping = false;
      }
    }, options.sweepIntervalMs ?? 10_000);
    timer.unref();
    stoppers.push(async () => clearInterval(timer));

    const server: Server = await startApiServer({
      port: options.port ?? 3000,
      host: options.host ?? '127.0.0.1',
      handlers: {
        ingest: (event) => ingest(event, lambdaContext),
        api: (event) => api(event, lambdaContext),
      },
      onError: (error) => log.error('api server', { error: String(error) }),
    });
    stoppers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 3000);

    return {
      url: `http://${options.host ?? '127.0.0.1'}:${port}`,
      port,
      config,
      service,
      queues,
      sqs,
      dynamo,
      dynamoPid: dynamoHandle?.pid,
      sweep: (o) => sweeper(undefined, o ?? {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
