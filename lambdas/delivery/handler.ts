import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../config';
import { type DelivererDeps, handleDeliveryMessage } from '../domain/deliver';
import { processFifoBatch } from '../domain/fifo-batch';
import { makePacer, sleeperOf } from '../domain/rate-limit';
import { lambdaEntry } from '../lambda-entry';
import { buildLambdaService, type Service } from '../service';

/** Time kept free at the end of an invocation: no attempt starts unless it can finish before the deadline. */
const DEADLINE_MARGIN_MS = 5000;

/**
 * SQS (FIFO) event source with ReportBatchItemFailures: one group's messages in order, groups
 * concurrently, and the first failure of a group fails the rest of that group.
 */
export function makeDeliveryHandler(service: Service) {
  const pacer = makePacer(service.clock, sleeperOf(service.clock));
  const deps: DelivererDeps = {
    ...service,
    pacer,
    onDisabled: (endpoint) => {
      service.telemetry.count('EndpointsDisabled');
      service.log.warn('endpoint disabled', {
        tenantId: endpoint.tenantId,
        endpointId: endpoint.id,
        reason: endpoint.disabledReason,
      });
    },
    onAttempt: ({ delivery, attempt, outcome, nextAttemptAt }) => {
      const { telemetry } = service;
      telemetry.milliseconds('AttemptDuration', attempt.durationMs);
      if (outcome === 'succeeded') {
        telemetry.count('DeliverySucceeded');
        telemetry.milliseconds('PublishToDeliveryLatency', Date.now() - Date.parse(delivery.createdAt));
      } else if (outcome === 'failed') telemetry.count('DeliveryFailed');
      else telemetry.count('RetryScheduled');
      service.log.info('delivery attempt', {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        endpointId: delivery.endpointId,
        tenantId: delivery.tenantId,
        attempt: attempt.number,
        outcome,
        status: attempt.responseStatus,
        errorClass: attempt.errorClass,
        durationMs: attempt.durationMs,
        ...(nextAttemptAt ? { nextAttemptAt: new Date(nextAttemptAt).toISOString() } : {}),
      });
    },
  };
  return async (
    event: SQSEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SQSBatchResponse> => {
    const records = event.Records.map((r: SQSRecord) => ({
      messageId: r.messageId,
      groupId: r.attributes.MessageGroupId ?? r.messageId,
      record: r,
    }));
    const failed = await processFifoBatch(
      records,
      (r) =>
        handleDeliveryMessage(deps, {
          body: r.record.body,
          receiptHandle: r.record.receiptHandle,
          receiveCount: Number(r.record.attributes.ApproximateReceiveCount ?? '1') || 1,
        }),
      {
        shouldStart: () =>
          !context ||
          context.getRemainingTimeInMillis() > service.settings.deliveryTimeoutMs + DEADLINE_MARGIN_MS,
        // The group of a rate-limited endpoint ends only once its spacing has passed (rate-limit.ts).
        afterGroup: (endpointId) => pacer.settle(endpointId),
        // Best effort: a follower not released comes back after its visibility timeout, as before.
        onSkipped: (skipped) =>
          service.queues
            .release(skipped.map((r) => r.record.receiptHandle))
            .catch((error: unknown) =>
              service.log.warn('could not release skipped messages', { error: String(error) }),
            ),
        onError: (r, error) =>
          service.log.error('delivery message failed', {
            messageId: r.messageId,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
      },
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = lambdaEntry(async () => {
  const service = await buildLambdaService(loadConfig());
  return { service, handler: makeDeliveryHandler(service) };
});
