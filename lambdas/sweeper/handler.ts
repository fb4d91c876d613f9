import { loadConfig } from '../config';
import { sweep } from '../domain/sweep';
import { lambdaEntry } from '../lambda-entry';
import { buildLambdaService, type Service } from '../service';

/** Scheduled (every minute): re-enqueue pending deliveries that nothing is carrying any more. */
export function makeSweeperHandler(service: Service) {
  return async (_event?: unknown, options: { everything?: boolean } = {}): Promise<{ requeued: number }> => {
    const result = await sweep(service, options);
    if (result.requeued > 0) service.log.warn('sweeper re-enqueued deliveries', result);
    return result;
  };
}

export const handler = lambdaEntry(async () => {
  const service = await buildLambdaService(loadConfig());
  const sweeper = makeSweeperHandler(service);
  // Lambda's second argument is its context, not the local runtime's sweep options.
  return { service, handler: (event: unknown) => sweeper(event) };
});
