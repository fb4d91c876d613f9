import type { WebhookStore } from '../domain/ports';
import { DynamoDeliveries } from './dynamo/deliveries';
import { DynamoEndpoints } from './dynamo/endpoints';
import { DynamoEvents } from './dynamo/events';
import { type DynamoStoreOptions, Table } from './dynamo/table';

export { type DynamoStoreOptions, decodeCursor, encodeCursor, keys } from './dynamo/table';

/**
 * The store on one DynamoDB table (layout in lib/resources.ts and docs/architecture.md): one object that
 * implements every port, built from one part per kind of record.
 */
export function createDynamoStore(options: DynamoStoreOptions): WebhookStore {
  const table = new Table(options);
  const endpoints = new DynamoEndpoints(table);
  const events = new DynamoEvents(table);
  const deliveries = new DynamoDeliveries(table);
  const store: WebhookStore = {
    createEndpoint: (e, max) => endpoints.createEndpoint(e, max),
    getEndpoint: (t, id, o) => endpoints.getEndpoint(t, id, o),
    listTenantEndpoints: (t) => endpoints.listTenantEndpoints(t),
    listEndpoints: (t, o) => endpoints.listEndpoints(t, o),
    updateEndpoint: (e, prev) => endpoints.updateEndpoint(e, prev),
    deleteEndpoint: (t, id) => endpoints.deleteEndpoint(t, id),
    putEvent: (e) => events.putEvent(e),
    getEvent: (t, id) => events.getEvent(t, id),
    markUnsent: (t, id, at) => events.markUnsent(t, id, at),
    clearUnsent: (t, id) => events.clearUnsent(t, id),
    retainEvent: (t, id, until, replay) => events.retainEvent(t, id, until, replay),
    createDelivery: (d, at) => deliveries.createDelivery(d, at),
    holdDeliveries: (list) => deliveries.holdDeliveries(list),
    getDelivery: (t, id) => deliveries.getDelivery(t, id),
    getDeliveries: (t, ids) => deliveries.getDeliveries(t, ids),
    getDeliveryState: (t, id) => deliveries.getDeliveryState(t, id),
    listDeliveries: (q) => deliveries.listDeliveries(q),
    recordAttempt: (ref, r) => deliveries.recordAttempt(ref, r),
    failDelivery: (ref, reason, off) => deliveries.failDelivery(ref, reason, off),
    recoverDelivery: (t, id, at, s) => deliveries.recoverDelivery(t, id, at, s),
    listSweepable: (now, limit, all) => deliveries.listSweepable(now, limit, all),
    rescheduleSweep: (t, id, e, n) => deliveries.rescheduleSweep(t, id, e, n),
  };
  // Both clients, for instrumentation (the bench counts requests and units on them); not enumerable.
  Object.defineProperty(store, 'writer', { value: table.writer, enumerable: false });
  return Object.defineProperty(store, 'doc', { value: table.doc, enumerable: false });
}
