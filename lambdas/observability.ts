/**
 * Logs, metrics and traces with Powertools for AWS Lambda.
 *
 * Logs are structured JSON with ids as fields (event, delivery, endpoint, tenant), never secrets or
 * payload bodies. Metrics go out as CloudWatch embedded metric format at the end of each invocation.
 * Tracing instruments the AWS SDK clients when running in Lambda with X-Ray active, and nothing else: it
 * does not patch node:http(s), so receivers get exactly the headers we document and log (no
 * `X-Amzn-Trace-Id`), and the deliveries log shows the request as it was sent.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  /** The Powertools logger behind it, for `injectLambdaContext` (absent for test logs). */
  readonly powertools?: Logger;
}

export const METRICS_NAMESPACE = 'WebhookService';

/** The service's own metrics (names are the CloudWatch metric names the alarms and dashboard use). */
export type MetricName =
  | 'EventsPublished'
  | 'DeliveriesCreated'
  | 'DeliverySucceeded'
  | 'DeliveryFailed'
  | 'RetryScheduled'
  | 'AttemptDuration'
  | 'PublishToDeliveryLatency'
  | 'EndpointsDisabled'
  | 'OperationalEventsUnsent';

export interface Telemetry {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
  /** Emits what was recorded since the last flush (once per invocation). */
  flush(): void;
}

export const noTelemetry: Telemetry = { count: () => {}, milliseconds: () => {}, flush: () => {} };

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

export function createLog(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Log {
  const upper = level.toUpperCase() as Level;
  const logger = new Logger({ serviceName: service, logLevel: LEVELS.includes(upper) ? upper : 'INFO' });
  return {
    powertools: logger,
    debug: (m, e) => logger.debug(m, e ?? {}),
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  };
}

/** Powertools Metrics in embedded metric format; one dimension, the service name. */
export function createTelemetry(service: string): Telemetry {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
  let pending = 0;
  return {
    count: (name, value = 1) => {
      metrics.addMetric(name, MetricUnit.Count, value);
      pending++;
    },
    milliseconds: (name, value) => {
      metrics.addMetric(name, MetricUnit.Milliseconds, value);
      pending++;
    },
    flush: () => {
      if (pending === 0) return;
      pending = 0;
      metrics.publishStoredMetrics();
    },
  };
}
