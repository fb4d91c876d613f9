/**
 * The ONE place where the model meets the service's shape: how the Service is built, which handlers run,
 * how an event is published, how endpoints are stored, changed and removed. Everything else under
 * test/model/ (SQS model, event source, clock, receiver, invariants) knows nothing of the service's
 * internals. When the store, ports or delivery code change, rewire here.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsQueues } from '../../lambdas/adapters/sqs-queues';
import { loadConfig } from '../../lambdas/config';
import { makeDeliveryHandler } from '../../lambdas/delivery/handler';
import { updateEndpoint } from '../../lambdas/domain/endpoints';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { Delivery, Endpoint, Ordering } from '../../lambdas/domain/model';
import { pipelineOperational } from '../../lambdas/domain/operational-pipeline';
import type { WebhookStore } from '../../lambdas/domain/ports';
import { publishEvent } from '../../lambdas/domain/publish';
import { type Log, noTelemetry } from '../../lambdas/observability';
import { makeRetryHandler } from '../../lambdas/retry/handler';
import type { Service } from '../../lambdas/service';
import { makeSweeperHandler } from '../../lambdas/sweeper/handler';
import {
  DELIVERY_BATCH_SIZE,
  DELIVERY_DLQ,
  DELIVERY_QUEUE,
  deliveryFunctionTimeoutSeconds,
  deliveryMaxReceiveCount,
  deliveryVisibilitySeconds,
  ENV,
  RETRY_DLQ,
  RETRY_QUEUE,
  RETRY_QUEUE_MAX_RECEIVES,
} from '../../lib/resources';
import { FakeStore, testSecrets } from '../support/fakes';
import { EventSource } from './event-source';
import { SimClock } from './sim-clock';
import { type Availability, SimReceiver } from './sim-receiver';
import { SqsModel } from './sqs-model';

export const MODEL_START = Date.UTC(2026, 0, 5, 9);

export interface WorldOptions {
  /** Seeded randomness (fast-check's), for injected faults. */
  readonly random: () => number;
  /** Extra configuration variables (e.g. RETRY_SCHEDULE); the deployed defaults otherwise. */
  readonly env?: Record<string, string>;
  readonly deliveryConcurrency?: number;
  /** DynamoDB throttling: each write of these methods fails with this probability (nothing written). */
  readonly throttle?: { readonly rate: number; readonly methods: readonly ThrottledMethod[] };
  /** At-least-once duplicates on the standard retry queue (a delete that misses a copy). */
  readonly retryDuplicateRate?: number;
}

export type ThrottledMethod = 'recordAttempt' | 'failDelivery';

/** A write the injected throttling refused: what it would have recorded. */
export interface ThrottledWrite {
  readonly method: ThrottledMethod;
  readonly deliveryId: string;
  readonly status?: string;
  readonly at: number;
}

/** What the invariants read of a delivery record. */
export interface DeliveryOutcome {
  readonly id: string;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'held';
  readonly attemptCount: number;
  readonly failureReason?: string;
  /** Epoch ms of the last change of a final delivery (when it became final). */
  readonly finalAt?: number;
}

export interface Published {
  readonly seq: number;
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly ordering: Ordering;
  readonly url: string;
}

/** Counts log lines without keeping them (runs make hundreds of thousands). */
class CountingLog implements Log {
  readonly counts = { debug: 0, info: 0, warn: 0, error: 0 };
  debug = () => void this.counts.debug++;
  info = () => void this.counts.info++;
  warn = () => void this.counts.warn++;
  error = () => void this.counts.error++;
}

function throttled(
  store: FakeStore,
  options: WorldOptions,
  clock: SimClock,
  log: ThrottledWrite[],
): WebhookStore {
  const { throttle } = options;
  if (!throttle || throttle.rate <= 0) return store;
  const methods = new Set<string>(throttle.methods);
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !methods.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (options.random() < throttle.rate) {
          const record = args[1] as { status?: string } | undefined;
          log.push({
            method: prop as ThrottledMethod,
            // recordAttempt and failDelivery take the delivery's ref first (not its id).
            deliveryId: (args[0] as { id: string }).id,
            ...(prop === 'recordAttempt' && record?.status ? { status: record.status } : {}),
            at: clock.now(),
          });
          const cause = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'ProvisionedThroughputExceededException',
          });
          throw new DependencyUnavailableError('dynamodb', { cause });
        }
        return value.apply(target, args);
      };
    },
  });
}

export class World {
  readonly startedAt = MODEL_START;
  readonly clock = new SimClock(MODEL_START);
  readonly sqs: SqsModel;
  readonly store: FakeStore;
  readonly receiver: SimReceiver;
  readonly service: Service;
  readonly log = new CountingLog();
  readonly published: Published[] = [];
  readonly throttledWrites: ThrottledWrite[] = [];
  readonly sources: { delivery: EventSource; retry: EventSource };
  readonly maxReceiveCount: number;
  readonly deliveryVisibilitySeconds: number;
  sweeps = 0;
  private readonly endpoints = new Map<string, Endpoint>();
  private running = false;

  constructor(options: WorldOptions) {
    const urls = {
      [ENV.tableName]: 'model-table',
      [ENV.deliveryQueueUrl]: SqsModel.urlOf(DELIVERY_QUEUE.localName),
      [ENV.deliveryDlqUrl]: SqsModel.urlOf(DELIVERY_DLQ.localName),
      [ENV.retryQueueUrl]: SqsModel.urlOf(RETRY_QUEUE.localName),
    };
    const config = loadConfig({ ...urls, ...options.env });
    const { settings } = config;
    const functionTimeoutSeconds = deliveryFunctionTimeoutSeconds(settings.deliveryTimeoutMs);
    this.maxReceiveCount = deliveryMaxReceiveCount(settings.retry.delaysMs.length);
    this.deliveryVisibilitySeconds = deliveryVisibilitySeconds(functionTimeoutSeconds);

    // The queues as the stack deploys them (lib/constructs/queues.ts), from the same definitions.
    this.sqs = new SqsModel({
      clock: this.clock,
      random: options.random,
      queues: [
        {
          name: DELIVERY_DLQ.localName,
          fifo: true,
          visibilityTimeoutSeconds: DELIVERY_DLQ.visibilityTimeoutSeconds,
          retentionSeconds: DELIVERY_DLQ.retentionSeconds,
        },
        {
          name: DELIVERY_QUEUE.localName,
          fifo: true,
          visibilityTimeoutSeconds: this.deliveryVisibilitySeconds,
          retentionSeconds: DELIVERY_QUEUE.retentionSeconds,
          deduplicationScope: 'messageGroup',
          redrive: { deadLetterQueue: DELIVERY_DLQ.localName, maxReceiveCount: this.maxReceiveCount },
        },
        {
          name: RETRY_DLQ.localName,
          fifo: false,
          visibilityTimeoutSeconds: RETRY_DLQ.visibilityTimeoutSeconds,
          retentionSeconds: RETRY_DLQ.retentionSeconds,
        },
        {
          name: RETRY_QUEUE.localName,
          fifo: false,
          visibilityTimeoutSeconds: RETRY_QUEUE.visibilityTimeoutSeconds,
          retentionSeconds: RETRY_QUEUE.retentionSeconds,
          redrive: { deadLetterQueue: RETRY_DLQ.localName, maxReceiveCount: RETRY_QUEUE_MAX_RECEIVES },
          duplicateRate: options.retryDuplicateRate ?? 0,
        },
      ],
    });
    this.store = new FakeStore(this.clock);
    this.receiver = new SimReceiver(this.clock, `${settings.brand}-Delivery`);
    const store = throttled(this.store, options, this.clock, this.throttledWrites);
    const queues = new SqsQueues({
      client: this.sqs.asClient(),
      deliveryQueueUrl: config.deliveryQueueUrl,
      deliveryDlqUrl: config.deliveryDlqUrl,
      retryQueueUrl: config.retryQueueUrl,
      now: () => this.clock.now(),
    });
    this.service = {
      store,
      queues,
      operational: pipelineOperational({ store, queues, clock: this.clock, settings }),
      endpoints: (tenantId: string, endpointId: string) => this.store.getEndpoint(tenantId, endpointId),
      tenantEndpoints: (tenantId: string) => store.listTenantEndpoints(tenantId),
      secrets: testSecrets(this.clock),
      http: this.receiver,
      clock: this.clock,
      settings,
      log: this.log,
      telemetry: noTelemetry,
      queueDepths: async () => ({}),
      resolveHost: async () => ['93.184.216.34'],
      checkResolved: () => undefined,
    };
    this.sources = {
      delivery: new EventSource({
        clock: this.clock,
        sqs: this.sqs,
        queueUrl: config.deliveryQueueUrl,
        handler: makeDeliveryHandler(this.service),
        batchSize: DELIVERY_BATCH_SIZE,
        concurrency: options.deliveryConcurrency ?? 4,
        functionTimeoutMs: functionTimeoutSeconds * 1000,
      }),
      retry: new EventSource({
        clock: this.clock,
        sqs: this.sqs,
        queueUrl: config.retryQueueUrl,
        handler: makeRetryHandler(this.service),
        batchSize: 10,
        concurrency: 2,
        functionTimeoutMs: 30_000,
      }),
    };
  }

  /** An enabled endpoint of its own tenant, subscribed to every event type, answering as scripted. */
  async addEndpoint(
    id: string,
    ordering: Ordering,
    availability: Availability,
    extra: Partial<Pick<Endpoint, 'rateLimit'>> = {},
  ): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    const endpoint: Endpoint = {
      id,
      tenantId: `t_${id}`,
      url: `https://${id}.receiver.example/hook`,
      events: ['*'],
      description: 'model',
      status: 'enabled',
      ordering,
      secrets: [{ secret: 'whsec_model' }],
      createdAt: at,
      updatedAt: at,
      ...extra,
    };
    await this.store.createEndpoint(endpoint, 500);
    this.endpoints.set(id, endpoint);
    this.receiver.script(endpoint.url, availability);
  }

  /** Publishes one event to the endpoint's tenant through the real publish use case. */
  async publish(endpointId: string): Promise<void> {
    const endpoint = this.endpoints.get(endpointId)!;
    const result = await publishEvent(this.service, {
      tenantId: endpoint.tenantId,
      type: 'order.created',
      data: { n: this.published.length },
    });
    for (const d of result.body.deliveries)
      this.published.push({
        seq: this.published.length,
        deliveryId: d.id,
        endpointId: d.endpointId,
        ordering: endpoint.ordering,
        url: endpoint.url,
      });
  }

  /** Each endpoint's status once the run is over (`captureEndpointStatuses`): deleted ones are absent. */
  readonly endpointStatusAtEnd = new Map<string, 'enabled' | 'disabled'>();

  async captureEndpointStatuses(): Promise<void> {
    for (const [id, known] of this.endpoints) {
      const now = await this.store.getEndpoint(known.tenantId, id);
      if (now) this.endpointStatusAtEnd.set(id, now.status);
    }
  }

  /** Enables a disabled endpoint through the real use case: what was held for it is sent, in order. */
  async enableEndpoint(endpointId: string): Promise<void> {
    const known = this.endpoints.get(endpointId)!;
    await updateEndpoint(this.service, known.tenantId, endpointId, { status: 'enabled' });
  }

  async disableEndpoint(endpointId: string): Promise<void> {
    // As stored now: the delivery path writes the endpoint too (its failure streak).
    const known = this.endpoints.get(endpointId)!;
    const endpoint = (await this.store.getEndpoint(known.tenantId, endpointId))!;
    const next = {
      ...endpoint,
      status: 'disabled' as const,
      updatedAt: new Date(this.clock.now()).toISOString(),
    };
    if (!(await this.store.updateEndpoint(next, endpoint.updatedAt)))
      throw new Error(`cannot disable ${endpointId}`);
    this.endpoints.set(endpointId, next);
  }

  async deleteEndpoint(endpointId: string): Promise<void> {
    const endpoint = this.endpoints.get(endpointId)!;
    await this.store.deleteEndpoint(endpoint.tenantId, endpoint.id);
  }

  /** A message nothing can parse, at the tail of the endpoint's FIFO group (the head once it is first). */
  async injectPoison(endpointId: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: SqsModel.urlOf(DELIVERY_QUEUE.localName),
        MessageBody: '{"not":"a delivery message"',
        MessageGroupId: endpointId,
        MessageDeduplicationId: `poison-${endpointId}-${this.clock.now()}`,
      }),
    );
  }

  /** Every delivery record as the invariants need it (the store's shape stays in this file). */
  deliveries(): DeliveryOutcome[] {
    return this.store.allDeliveries().map((d: Delivery) => ({
      id: d.id,
      status: d.status,
      attemptCount: d.attemptCount,
      ...(d.failureReason ? { failureReason: d.failureReason } : {}),
      ...(d.status !== 'pending' ? { finalAt: Date.parse(d.updatedAt) } : {}),
    }));
  }

  /** Messages in the delivery DLQ, bodies parsed where they are JSON. */
  deadLetters(): { body: string; parsed?: { deliveryId?: string; reason?: string } }[] {
    return this.sqs.contents(DELIVERY_DLQ.localName).map((m) => {
      try {
        return { body: m.body, parsed: JSON.parse(m.body) as { deliveryId?: string; reason?: string } };
      } catch {
        return { body: m.body };
      }
    });
  }

  /** Starts the event sources and the every-minute sweeper (EventBridge rate(1 minute)). */
  start(): void {
    this.running = true;
    this.sources.delivery.start();
    this.sources.retry.start();
    const sweeper = makeSweeperHandler(this.service);
    void (async () => {
      while (this.running) {
        await this.clock.sleep(60_000);
        if (!this.running) return;
        this.sweeps++;
        // A failed tick is made up by the next one, as the deployed rule has no retries.
        await sweeper().catch(() => undefined);
      }
    })();
  }

  stop(): void {
    this.running = false;
    this.sources.delivery.stop();
    this.sources.retry.stop();
  }

  /** True when every published delivery is final and no queue but the DLQs holds a message. */
  quiet(): boolean {
    const final = this.deliveries().every((d) => d.status !== 'pending');
    return (
      final &&
      this.sqs.contents(DELIVERY_QUEUE.localName).length === 0 &&
      this.sqs.contents(RETRY_QUEUE.localName).length === 0
    );
  }

  /** Runs simulated time to `end`, stopping early (checked hourly) once the system is quiet. */
  async runUntilQuiet(end: number): Promise<void> {
    while (this.clock.now() < end) {
      await this.clock.runUntil(Math.min(end, this.clock.now() + 3_600_000));
      if (this.quiet()) break;
    }
  }
}
