/**
 * The answers the page reads, derived from the API's own response schemas (`lambdas/domain/responses.ts`,
 * the same ones the handlers shape their answers with and OpenAPI is generated from), so the page cannot
 * drift from the API. Type-only imports: nothing of zod or the server code reaches the page's bundle.
 */
import type * as z from 'zod';
import type {
  AttemptSchema,
  DeliveryDetailSchema,
  DeliverySummarySchema,
  EndpointViewSchema,
  EventTypesSchema,
  PortalSessionSchema,
} from '../../lambdas/http/responses';

export type { FieldIssue } from '../../lambdas/domain/errors';
export type EndpointView = z.output<typeof EndpointViewSchema>;
export type Session = z.output<typeof PortalSessionSchema>;
export type EventType = z.output<typeof EventTypesSchema>['items'][number];
export type Summary = z.output<typeof DeliverySummarySchema>;
export type Attempt = z.output<typeof AttemptSchema>;
export type Detail = z.output<typeof DeliveryDetailSchema>;
