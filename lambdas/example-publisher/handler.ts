/**
 * Example publisher: how a product team's Lambda publishes to the webhook service.
 *
 * Invoke it with the event to publish, `{ "tenantId", "type", "data", "id"? }`; it answers with the publish
 * result `{ status, id, deliveries }`. It holds no logic of its own: everything (SigV4 signing, retries
 * with the same event id, error mapping) is `createPublisher` from `clients/publisher.ts`. The only AWS
 * permission it needs is `execute-api:Invoke` on `POST /v1/events` of the stage in `WEBHOOK_API_URL`.
 *
 * Copy it as a starting point: build the publisher once per cold start, and give each business event a
 * stable `id` (an order id and what happened to it) so a retried publish is never delivered twice.
 */
import * as z from 'zod';
import { createPublisher, type Publisher, type PublishResult } from '../../clients/publisher';

/** The invocation payload. The service validates the rest (catalog type, id characters) with a 422. */
const InvocationSchema = z.object({
  tenantId: z.string().min(1),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  id: z.string().min(1).optional(),
});

export type ExamplePublishEvent = z.infer<typeof InvocationSchema>;

/** The invocation payload is not `{ tenantId, type, data, id? }`; nothing was sent. */
export class InvalidInvocationError extends Error {
  override readonly name = 'InvalidInvocationError';
}

/** The function's environment lacks what the publisher needs. */
export class ExamplePublisherConfigError extends Error {
  override readonly name = 'ExamplePublisherConfigError';
}

export function makeExamplePublisherHandler(publisher: Publisher) {
  return async (event: unknown): Promise<PublishResult> => {
    const parsed = InvocationSchema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidInvocationError(`${issue.path.join('.') || 'event'}: ${issue.message}`);
    }
    return publisher.publish(parsed.data);
  };
}

/** `WEBHOOK_API_URL` (the stage URL, a stack output) and `AWS_REGION` (set by Lambda). */
export function publisherFromEnvironment(env: Record<string, string | undefined> = process.env): Publisher {
  const apiUrl = env.WEBHOOK_API_URL;
  if (!apiUrl || !URL.canParse(apiUrl))
    throw new ExamplePublisherConfigError(
      'WEBHOOK_API_URL: must be the API stage URL, e.g. https://.../prod/',
    );
  const region = env.AWS_REGION;
  if (!region) throw new ExamplePublisherConfigError('AWS_REGION: must be set (Lambda sets it)');
  // Tries of at most 15 s (the ingest function answers within its 10 s timeout) and waits of at most 5 s:
  // the worst case, 4 tries and 3 waits, fits the function's 90 s timeout.
  return createPublisher({ apiUrl, region, timeoutMs: 15_000, maxDelayMs: 5_000 });
}

let built: ((event: unknown) => Promise<PublishResult>) | undefined;

/** Built on first use, so the credential chain and its cache are set up once per cold start. */
export const handler = async (event: unknown): Promise<PublishResult> => {
  built ??= makeExamplePublisherHandler(publisherFromEnvironment());
  return built(event);
};
