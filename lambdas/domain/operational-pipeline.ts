import type { OperationalBus, OperationalDeps, OperationalFailure } from './operational';
import { operationalTenantOf } from './operational';
import { type PublishDeps, publishEvent } from './publish';

/**
 * Operational events through the service's own pipeline: each is published to the operational tenant
 * like any event (its id is the idempotency key), signed and delivered to that tenant's endpoints; and put
 * on `bus` when there is one.
 */
export function pipelineOperational(
  deps: PublishDeps,
  options: { readonly bus?: OperationalBus; readonly onFailure?: OperationalFailure } = {},
): OperationalDeps {
  return {
    settings: deps.settings,
    publish: async (event) => {
      await publishEvent(
        deps,
        {
          tenantId: operationalTenantOf(deps.settings),
          id: event.id,
          type: event.type,
          data: { ...event.data },
        },
        { internal: true },
      );
    },
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  };
}
