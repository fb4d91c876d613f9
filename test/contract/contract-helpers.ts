/** Records and helpers the store contract's parts share. */
import { expect } from 'vitest';
import { newDeliveryId } from '../../lambdas/domain/ids';
import type { Attempt, DeliveryRef } from '../../lambdas/domain/model';
import type { AttemptRecord, WebhookStore } from '../../lambdas/domain/ports';

export const DAY_MS = 86_400_000;

export function refAt(at: number, over: Partial<DeliveryRef> = {}): DeliveryRef {
  const endpointId = over.endpointId ?? 'ep_1';
  return {
    id: newDeliveryId(endpointId, at),
    tenantId: 't_1',
    eventId: 'evt_1',
    eventType: 'order.created',
    endpointId,
    createdAt: new Date(at).toISOString(),
    ...over,
  };
}

/** An attempt as the delivery path records it, with a 4 KB response body and the request headers. */
export function attempt(number: number, at: number, status = 500): Attempt {
  return {
    number,
    startedAt: new Date(at).toISOString(),
    durationMs: 120,
    requestHeaders: {
      'content-type': 'application/json',
      'YumKiosk-Signature': 't=1,v1=***',
      'YumKiosk-Delivery': `attempt-${number}`,
    },
    responseStatus: status,
    responseBody: 'x'.repeat(4096),
    ...(status >= 200 && status < 300 ? {} : { errorClass: 'http_status' as const }),
  };
}

export const pending = (a: Attempt, at: number, offset = 0): AttemptRecord => ({
  attempt: a,
  status: 'pending',
  nextAttemptAt: at,
  sweepAt: at + 900_000,
  attemptOffset: offset,
});

export async function allPages(store: WebhookStore, query: Parameters<WebhookStore['listDeliveries']>[0]) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await store.listDeliveries({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((d) => d.id));
    cursor = page.cursor;
    if (!cursor) break;
  }
  return ids;
}
