import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricName } from '../../lambdas/observability';

/**
 * Where the functions' own metrics land: Powertools Metrics (embedded metric format) under the namespace
 * `METRICS_NAMESPACE` of `lambdas/observability.ts`, with the one default dimension Powertools adds for the
 * service name the handlers pass (`createTelemetry('webhooks')` in `lambdas/service.ts`).
 */
export const SERVICE_METRICS = {
  namespace: 'WebhookService',
  dimensions: { service: 'webhooks' },
} as const;

/** One of the service's EMF metrics, as the alarms and the dashboard read it. */
export function serviceMetric(
  name: MetricName,
  options: { statistic: string; period?: Duration; label?: string },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: SERVICE_METRICS.namespace,
    metricName: name,
    dimensionsMap: { ...SERVICE_METRICS.dimensions },
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
  });
}
