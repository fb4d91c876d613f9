import { PoisonMessageError } from './errors';
import { parseDeliveryMessage } from './messages';
import type { Clock, DeliveryQueues } from './ports';

/**
 * One message of the retry queue: if its attempt is due, put it into the endpoint's FIFO group;
 * otherwise hand it back to the retry queue for another hop (the adapter knows how long a hop may be).
 * Send happens before the caller deletes the message, so a crash can only duplicate a hop (deduplicated
 * downstream), never drop one.
 */
export async function handleRetryMessage(
  deps: { queues: Pick<DeliveryQueues, 'enqueue' | 'delay'>; clock: Clock },
  body: string,
): Promise<'released' | 'delayed'> {
  const message = parseDeliveryMessage(body);
  if (message.dueAt === undefined) throw new PoisonMessageError('retry message has no dueAt');
  if (message.dueAt > deps.clock.now()) {
    await deps.queues.delay({ ...message, dueAt: message.dueAt });
    return 'delayed';
  }
  const { dueAt: _dueAt, ...due } = message;
  await deps.queues.enqueue([due]);
  return 'released';
}
