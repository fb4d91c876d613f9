import { PoisonMessageError } from './errors';
import { parseDeliveryMessage } from './messages';
import type { Clock, DeliveryQueues } from './ports';
import { planHop } from './retry-policy';

/**
 * One message of the retry queue: if its attempt is due, put it into the endpoint's FIFO group;
 * otherwise wait another hop of at most 900 s. Send happens before the caller deletes the message, so a
 * crash can only duplicate a hop (deduplicated downstream), never drop one.
 */
export async function handleRetryMessage(
  deps: { queues: DeliveryQueues; clock: Clock },
  body: string,
): Promise<'released' | 'delayed'> {
  const message = parseDeliveryMessage(body);
  if (message.dueAt === undefined) throw new PoisonMessageError('retry message has no dueAt');
  const plan = planHop(message.dueAt, deps.clock.now());
  if (plan.kind === 'delay') {
    await deps.queues.delay(message, plan.seconds);
    return 'delayed';
  }
  const { dueAt: _dueAt, ...due } = message;
  await deps.queues.enqueue([due]);
  return 'released';
}
