import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../config';
import { handleRetryMessage } from '../domain/retry-hop';
import { lambdaEntry } from '../lambda-entry';
import { buildLambdaService, type Service } from '../service';

/** Retry (delay) queue consumer: release due retries into their FIFO group, re-delay the rest. */
export function makeRetryHandler(service: Service) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.all(
      event.Records.map(async (record) => {
        try {
          await handleRetryMessage(service, record.body);
          return undefined;
        } catch (error) {
          service.log.error('retry message failed', {
            messageId: record.messageId,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
          return { itemIdentifier: record.messageId };
        }
      }),
    );
    return { batchItemFailures: results.filter((r) => r !== undefined) };
  };
}

export const handler = lambdaEntry(async () => {
  const service = await buildLambdaService(loadConfig());
  return { service, handler: makeRetryHandler(service) };
});
