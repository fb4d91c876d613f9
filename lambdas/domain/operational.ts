/**
 * Operational events: what the service itself says about endpoints and deliveries (an endpoint disabled
 * or enabled, a delivery given up on). They travel through the service's own pipeline, signed like any
 * delivery, to the endpoints registered under the operational tenant, and onto an event bus (EventBridge
 * on AWS) for operators' rules. Product publishers cannot publish them.
 */
import type { EventTypeInfo } from './catalog';
import { ValidationError } from './errors';
import type { Endpoint } from './model';
import type { Clock } from './ports';
import type { ServiceSettings } from './settings';

/** The operational tenant's default name (`OPERATIONAL_TENANT`). */
export const DEFAULT_OPERATIONAL_TENANT = '_operational';

export const OPERATIONAL_TYPES: readonly EventTypeInfo[] = [
  {
    type: 'endpoint.disabled',
    description:
      'An endpoint was disabled: by the API, by a 410 Gone from its receiver, or after failing for ENDPOINT_DISABLE_AFTER. Names the tenant, the endpoint and the reason.',
  },
  {
    type: 'endpoint.enabled',
    description: 'A disabled endpoint was enabled again; the deliveries held while it was disabled are sent.',
  },
  {
    type: 'delivery.failed',
    description:
      'A delivery was given up on (recorded failed, in the DLQ): names the tenant, endpoint, delivery, event and reason.',
  },
];

const TYPES = new Set(OPERATIONAL_TYPES.map((t) => t.type));

export function isOperationalType(type: string): boolean {
  return TYPES.has(type);
}

export function operationalTenantOf(settings: Pick<ServiceSettings, 'operationalTenant'>): string {
  return settings.operationalTenant ?? DEFAULT_OPERATIONAL_TENANT;
}

/** What every operational event carries in `data`. */
export interface OperationalData {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly url?: string;
  readonly reason?: string;
  readonly deliveryId?: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly attempts?: number;
  readonly at: string;
}

export interface OperationalEvent {
  /** Stable for the same occurrence, so a retried call publishes it once (the idempotency key). */
  readonly id: string;
  readonly type: 'endpoint.disabled' | 'endpoint.enabled' | 'delivery.failed';
  readonly data: OperationalData;
}

/** Where operational events go besides the pipeline: EventBridge on AWS (adapters/eventbridge-bus.ts). */
export interface OperationalBus {
  put(event: OperationalEvent): Promise<void>;
}

/** Publishes an operational event into the pipeline, to the operational tenant's endpoints. */
export type OperationalPublish = (event: OperationalEvent) => Promise<void>;

/** Says where an operational event could not go (the handler logs it and counts a metric). */
export type OperationalFailure = (event: OperationalEvent, where: 'pipeline' | 'bus', error: unknown) => void;

export interface OperationalDeps {
  readonly settings: Pick<ServiceSettings, 'operationalTenant'>;
  readonly publish: OperationalPublish;
  readonly bus?: OperationalBus;
  readonly onFailure?: OperationalFailure;
}

/**
 * Sends an operational event to the bus and, unless it is about the operational tenant itself, to the
 * operational tenant's endpoints: an operational endpoint that fails or is disabled is reported on the bus
 * only, so it cannot feed events about itself to itself without end. Never throws: the change it reports
 * has happened, and a failure here is logged and counted (`OperationalEventsUnsent`) by `onFailure`.
 */
export async function emitOperational(deps: OperationalDeps, event: OperationalEvent): Promise<void> {
  const tasks: Promise<void>[] = [];
  if (event.data.tenantId !== operationalTenantOf(deps.settings)) {
    tasks.push(deps.publish(event).catch((error) => deps.onFailure?.(event, 'pipeline', error)));
  }
  if (deps.bus) tasks.push(deps.bus.put(event).catch((error) => deps.onFailure?.(event, 'bus', error)));
  await Promise.all(tasks);
}

export function endpointDisabledEvent(endpoint: Endpoint): OperationalEvent {
  const at = endpoint.disabledAt ?? endpoint.updatedAt;
  return {
    id: `op_disabled_${endpoint.id}.${Date.parse(at)}`,
    type: 'endpoint.disabled',
    data: {
      tenantId: endpoint.tenantId,
      endpointId: endpoint.id,
      url: endpoint.url,
      ...(endpoint.disabledReason ? { reason: endpoint.disabledReason } : {}),
      at,
    },
  };
}

export function endpointEnabledEvent(endpoint: Endpoint): OperationalEvent {
  return {
    id: `op_enabled_${endpoint.id}.${Date.parse(endpoint.updatedAt)}`,
    type: 'endpoint.enabled',
    data: { tenantId: endpoint.tenantId, endpointId: endpoint.id, url: endpoint.url, at: endpoint.updatedAt },
  };
}

export function deliveryFailedEvent(
  delivery: {
    readonly deliveryId: string;
    readonly tenantId: string;
    readonly endpointId: string;
    readonly eventId: string;
    readonly eventType: string;
    readonly round: number;
    readonly attempts: number;
  },
  reason: string,
  clock: Clock,
): OperationalEvent {
  return {
    id: `op_failed_${delivery.deliveryId}.${delivery.round}`,
    type: 'delivery.failed',
    data: {
      tenantId: delivery.tenantId,
      endpointId: delivery.endpointId,
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempts: delivery.attempts,
      reason,
      at: new Date(clock.now()).toISOString(),
    },
  };
}

/**
 * Who may publish what: product publishers neither the operational types nor to the operational tenant;
 * the service (`internal`) only the operational types, only to it. Throws a 422 naming the field.
 */
export function checkPublisher(
  settings: Pick<ServiceSettings, 'operationalTenant'>,
  input: { readonly tenantId: string; readonly type: string },
  internal: boolean,
): void {
  const tenant = operationalTenantOf(settings);
  if (internal) {
    if (input.tenantId !== tenant || !isOperationalType(input.type))
      throw new Error(`internal publish of ${input.type} to ${input.tenantId}: only operational events`);
    return;
  }
  if (isOperationalType(input.type))
    throw ValidationError.of(
      'type',
      `"${input.type}" is an operational event type: only the service publishes it`,
    );
  if (input.tenantId === tenant)
    throw ValidationError.of(
      'tenantId',
      `"${tenant}" is the operational tenant: only the service publishes to it (OPERATIONAL_TENANT)`,
    );
}

/**
 * The event types an endpoint of `tenantId` may subscribe to: the operational types for the operational
 * tenant, the catalog's for every other.
 */
export function subscribableType(
  settings: Pick<ServiceSettings, 'operationalTenant' | 'catalog'>,
  tenantId: string,
  type: string,
): boolean {
  return tenantId === operationalTenantOf(settings) ? isOperationalType(type) : settings.catalog.has(type);
}
